"""Cache generations: one counter per cached model, bumped in the transaction that changes it.

Each row starts at a random value, so a database created afresh never matches entries a
shared cache still holds from an earlier database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:40:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# One row per ModelCache of the models (webapp/*/models: ``cache = ModelCache(name)``).
NAMES = ("account", "account_contact", "user")


def upgrade():
    table = op.create_table(
        "cache_generation",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_generation")),
    )
    op.bulk_insert(table, [{"name": n, "value": secrets.randbelow(2**40)} for n in NAMES])


def downgrade():
    op.drop_table("cache_generation")
