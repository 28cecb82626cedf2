"""Undo: audit events carry the batch they were written in and the event an undo reverses.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", recreate="never") as batch:
        batch.add_column(sa.Column("batch", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("undo_of", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_audit_event_batch"), "audit_event", ["batch"], unique=False)
    op.create_index(op.f("ix_audit_event_undo_of"), "audit_event", ["undo_of"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_audit_event_undo_of"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_batch"), table_name="audit_event")
    with op.batch_alter_table("audit_event", recreate="never") as batch:
        batch.drop_column("undo_of")
        batch.drop_column("batch")
