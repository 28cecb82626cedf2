"""The user's language setting: NULL follows the browser's Accept-Language.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 08:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", recreate="never") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("user", recreate="never") as batch:
        batch.drop_column("locale")
