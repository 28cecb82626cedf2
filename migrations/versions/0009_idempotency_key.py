"""One-time form keys: each write's key and the answer it gave, so a resent form saves once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:00:00

"""
import sqlalchemy as sa
from alembic import op

from webapp.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idempotency_key",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("location", sa.String(length=2000), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_key")),
    )
    op.create_index(
        op.f("ix_idempotency_key_created_at"), "idempotency_key", ["created_at"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_idempotency_key_created_at"), table_name="idempotency_key")
    op.drop_table("idempotency_key")
