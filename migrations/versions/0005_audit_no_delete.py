"""Audit events are never deleted: a trigger refuses DELETE, as 0002's refuses UPDATE.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

POSTGRES_FUNCTION = """
CREATE FUNCTION audit_event_no_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are never deleted' USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql
"""
SQLITE_TRIGGER = """
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit events are never deleted'); END
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_no_delete()"
        )
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_no_delete()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
