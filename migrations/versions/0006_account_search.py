"""Search documents: one lower-cased text per account (company name, number, name, city and
contact emails), kept by triggers; SQLite indexes it with FTS5 trigrams, PostgreSQL with a
pg_trgm GIN index. On PostgreSQL this replaces the per-column trigram indexes of 0003, which
no query reads any more and every write had to keep up to date.

The DDL is frozen here as it stood in this revision: ``webapp.accounts.search`` moves on
(0008), and an old migration must keep meaning what it meant.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 18:05:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# 0003's indexes, each over one search column.
COLUMN_TRIGRAM_INDEXES = {
    "ix_account_company_name_trgm": ("account", "lower(company_name)"),
    "ix_account_name_trgm": ("account", "lower(name)"),
    "ix_account_city_trgm": ("account", "lower(city)"),
    "ix_account_account_number_trgm": ("account", "account_number"),
    "ix_account_contact_email_trgm": ("account_contact", "lower(email)"),
}


def _document(aggregate):
    emails = f"(SELECT {aggregate} FROM account_contact c WHERE c.account_id = a.id)"
    return (
        "lower(a.company_name || ' ' || a.account_number || ' ' || coalesce(a.name, '') "
        f"|| ' ' || coalesce(a.city, '')) || ' ' || coalesce({emails}, '')"
    )


SQLITE_DOCUMENT = _document("group_concat(lower(c.email), ' ')")
POSTGRES_DOCUMENT = _document("string_agg(lower(c.email), ' ')")
SQLITE_REFRESH = f"""
    DELETE FROM account_search WHERE rowid = {{id}};
    INSERT INTO account_search (rowid, document)
        SELECT a.id, {SQLITE_DOCUMENT} FROM account a WHERE a.id = {{id}};
"""
SQLITE_TRIGGERS = {  # name: (when, the account's id)
    "account_search_account_insert": ("AFTER INSERT ON account", "NEW.id"),
    "account_search_account_update": (
        "AFTER UPDATE OF company_name, name, city ON account", "NEW.id"
    ),
    "account_search_contact_insert": ("AFTER INSERT ON account_contact", "NEW.account_id"),
    "account_search_contact_update": (
        "AFTER UPDATE OF email ON account_contact", "NEW.account_id"
    ),
    "account_search_contact_delete": ("AFTER DELETE ON account_contact", "OLD.account_id"),
}
SQLITE_INSTALL = [
    "CREATE VIRTUAL TABLE account_search USING fts5(document, tokenize = 'trigram')",
    *(
        f"CREATE TRIGGER {name} {when} BEGIN {SQLITE_REFRESH.format(id=target)} END"
        for name, (when, target) in SQLITE_TRIGGERS.items()
    ),
    "CREATE TRIGGER account_search_account_delete AFTER DELETE ON account "
    "BEGIN DELETE FROM account_search WHERE rowid = OLD.id; END",
    "INSERT INTO account_search (rowid, document) "
    f"SELECT a.id, {SQLITE_DOCUMENT} FROM account a",
]
SQLITE_UNINSTALL = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    "DROP TRIGGER IF EXISTS account_search_account_delete",
    "DROP TABLE IF EXISTS account_search",
]
POSTGRES_INSTALL = [
    "CREATE TABLE account_search (account_id integer PRIMARY KEY "
    "REFERENCES account (id) ON DELETE CASCADE, document text NOT NULL)",
    f"INSERT INTO account_search (account_id, document) SELECT a.id, {POSTGRES_DOCUMENT} "
    "FROM account a",
    "CREATE INDEX ix_account_search_document ON account_search "
    "USING gin (document public.gin_trgm_ops)",
    f"""CREATE FUNCTION account_search_refresh(target integer) RETURNS void AS $$
    BEGIN
        INSERT INTO account_search (account_id, document)
            SELECT a.id, {POSTGRES_DOCUMENT} FROM account a WHERE a.id = target
        ON CONFLICT (account_id) DO UPDATE SET document = EXCLUDED.document;
    END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION account_search_on_change() RETURNS trigger AS $$
    BEGIN
        IF TG_TABLE_NAME = 'account' THEN
            PERFORM account_search_refresh(NEW.id);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM account_search_refresh(OLD.account_id);
        ELSE
            PERFORM account_search_refresh(NEW.account_id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER account_search_account AFTER INSERT OR UPDATE OF company_name, name, city "
    "ON account FOR EACH ROW EXECUTE FUNCTION account_search_on_change()",
    "CREATE TRIGGER account_search_contact AFTER INSERT OR DELETE OR UPDATE OF email "
    "ON account_contact FOR EACH ROW EXECUTE FUNCTION account_search_on_change()",
]
POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS account_search_account ON account",
    "DROP TRIGGER IF EXISTS account_search_contact ON account_contact",
    "DROP TABLE IF EXISTS account_search",
    "DROP FUNCTION IF EXISTS account_search_on_change()",
    "DROP FUNCTION IF EXISTS account_search_refresh(integer)",
]


def _postgres():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgres():
        for name in COLUMN_TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for statement in POSTGRES_INSTALL if _postgres() else SQLITE_INSTALL:
        op.execute(statement)


def downgrade():
    for statement in POSTGRES_UNINSTALL if _postgres() else SQLITE_UNINSTALL:
        op.execute(statement)
    if _postgres():
        for name, (table, expression) in COLUMN_TRIGRAM_INDEXES.items():
            op.execute(
                f"CREATE INDEX {name} ON {table} USING gin ({expression} public.gin_trgm_ops)"
            )
