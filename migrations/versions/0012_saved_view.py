"""Saved views of the accounts list (issue 13, part 1).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

from webapp.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_saved_view_owner_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_view_owner_id_name"),
    )
    op.create_index("ix_saved_view_shared", "saved_view", ["shared"], unique=False)
    # The list page caches each user's views under this generation (see migration 0007).
    generation = sa.table("cache_generation", sa.column("name"), sa.column("value"))
    op.bulk_insert(generation, [{"name": "saved_view", "value": secrets.randbelow(2**40)}])


def downgrade():
    op.execute("DELETE FROM cache_generation WHERE name = 'saved_view'")
    op.drop_index("ix_saved_view_shared", table_name="saved_view")
    op.drop_table("saved_view")
