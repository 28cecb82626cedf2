"""Import jobs: each upload with its dry run's findings and progress, so any worker can serve it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:00:00

"""
import sqlalchemy as sa
from alembic import op

from webapp.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("bad_rows", sa.JSON(), nullable=False),
        sa.Column("pins", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_index(op.f("ix_import_job_user_id"), "import_job", ["user_id"], unique=False)
    op.create_index(op.f("ix_import_job_created_at"), "import_job", ["created_at"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_import_job_created_at"), table_name="import_job")
    op.drop_index(op.f("ix_import_job_user_id"), table_name="import_job")
    op.drop_table("import_job")
