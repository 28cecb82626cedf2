"""Audit events name the account they belong to, so an account's history includes its
contacts, members and billing as well as the account row itself.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BACKFILL = (
    "UPDATE audit_event SET account_id = CAST(object_id AS INTEGER) "
    "WHERE object_type = 'Account' AND object_id <> ''"
)
SQLITE_TRIGGER = """
CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit events are never changed'); END
"""


def upgrade():
    # A plain ADD COLUMN (no batch copy), so the append-only trigger stays in place.
    op.add_column('audit_event', sa.Column('account_id', sa.Integer(), nullable=True))
    op.create_index('ix_audit_event_account_id', 'audit_event', ['account_id', 'id'])
    # The one sanctioned rewrite of old events: the trigger is lifted for this statement only.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        op.execute(BACKFILL)
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        op.execute("DROP TRIGGER audit_event_append_only")
        op.execute(BACKFILL)
        op.execute(SQLITE_TRIGGER)


def downgrade():
    op.drop_index('ix_audit_event_account_id', table_name='audit_event')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column('audit_event', 'account_id')
    else:
        # SQLite >= 3.35 drops a column in place; the trigger names no column, so it survives.
        op.execute("ALTER TABLE audit_event DROP COLUMN account_id")
