"""PostgreSQL's search table keeps the list's sort and filter columns beside each document,
so a page of many matches is ranked from the rows the trigram check reads anyway, without
joining ``account`` (0.14 s -> 0.05 s for 12,000 matches). The trigger on ``account`` now
fires on those columns too. SQLite is unchanged: FTS5 reads UNINDEXED columns from its
content table row by row, which measured no faster than reading ``account``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COLUMNS = {
    "company_name": "varchar(255)",
    "account_number": "varchar(14)",
    "city": "varchar(255)",
    "country": "varchar(3)",
    "created_at": "timestamp with time zone",
    "updated_at": "timestamp with time zone",
    "is_active": "boolean",
    "is_default_account": "boolean",
    "currency": "varchar(3)",
}
DOCUMENT = (
    "lower(a.company_name || ' ' || a.account_number || ' ' || coalesce(a.name, '') "
    "|| ' ' || coalesce(a.city, '')) || ' ' || coalesce((SELECT string_agg(lower(c.email), ' ') "
    "FROM account_contact c WHERE c.account_id = a.id), '')"
)
NAMES = ", ".join(COLUMNS)


def _refresh(columns):
    """The refresh function 0006 made, writing ``columns`` beside the document."""
    names = "".join(f", {c}" for c in columns)
    values = "".join(f", a.{c}" for c in columns)
    updates = "".join(f", {c} = EXCLUDED.{c}" for c in columns)
    return f"""CREATE OR REPLACE FUNCTION account_search_refresh(target integer) RETURNS void AS $$
    BEGIN
        INSERT INTO account_search (account_id, document{names})
            SELECT a.id, {DOCUMENT}{values} FROM account a WHERE a.id = target
        ON CONFLICT (account_id) DO UPDATE SET document = EXCLUDED.document{updates};
    END $$ LANGUAGE plpgsql"""


def _trigger(columns):
    return [
        "DROP TRIGGER IF EXISTS account_search_account ON account",
        f"CREATE TRIGGER account_search_account AFTER INSERT OR UPDATE OF {columns} ON account "
        "FOR EACH ROW EXECUTE FUNCTION account_search_on_change()",
    ]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # Filled before the trigram index is rebuilt: one pass instead of a GIN update per row.
    op.execute("DROP INDEX IF EXISTS ix_account_search_document")
    op.execute(
        "ALTER TABLE account_search "
        + ", ".join(f"ADD COLUMN {name} {kind}" for name, kind in COLUMNS.items())
    )
    op.execute(
        "UPDATE account_search s SET "
        + ", ".join(f"{c} = a.{c}" for c in COLUMNS)
        + " FROM account a WHERE a.id = s.account_id"
    )
    op.execute(
        "CREATE INDEX ix_account_search_document ON account_search "
        "USING gin (document public.gin_trgm_ops)"
    )
    op.execute(_refresh(COLUMNS))
    for statement in _trigger(f"name, {NAMES}"):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _trigger("company_name, name, city"):
        op.execute(statement)
    op.execute(_refresh(()))
    op.execute(
        "ALTER TABLE account_search " + ", ".join(f"DROP COLUMN {name}" for name in COLUMNS)
    )
