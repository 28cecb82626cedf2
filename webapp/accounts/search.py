"""The list's search: one lower-cased document per account, read through an index.

The document holds the company name, account number, name, city and every contact's email,
separated by spaces (a search word never holds a space, so it cannot match across two fields).
Database triggers keep it in step with every write path, ORM or raw SQL. SQLite reads it
through an FTS5 table with the trigram tokenizer, PostgreSQL through a ``pg_trgm`` GIN index;
both answer ``'%word%'`` substring matches from the index for words of 3 or more characters.
Shorter words are matched by a scan of the documents.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Column, Integer, MetaData, Select, Table, Text, and_, select, text
from sqlalchemy.engine import Connection

from webapp.extensions import db

# Outside the models' metadata: migrations own this table and its triggers.
_metadata = MetaData()
SQLITE_TABLE = Table(
    "account_search", _metadata, Column("rowid", Integer), Column("document", Text)
)
POSTGRES_TABLE = Table(
    "account_search",
    MetaData(),
    Column("account_id", Integer, primary_key=True),
    Column("document", Text),
)
MIN_INDEXED = 3  # trigrams: shorter words cannot use the index


def _document(aggregate: str) -> str:
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
SQLITE_TRIGGERS = {
    "account_search_account_insert": "AFTER INSERT ON account",
    "account_search_account_update": "AFTER UPDATE OF company_name, name, city ON account",
    "account_search_contact_insert": "AFTER INSERT ON account_contact",
    "account_search_contact_update": "AFTER UPDATE OF email ON account_contact",
    "account_search_contact_delete": "AFTER DELETE ON account_contact",
}
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE account_search USING fts5(document, tokenize = 'trigram')",
]
POSTGRES_INDEX = (
    "CREATE INDEX ix_account_search_document ON account_search "
    "USING gin (document public.gin_trgm_ops)"
)
POSTGRES_DDL = [
    "CREATE TABLE account_search (account_id integer PRIMARY KEY "
    "REFERENCES account (id) ON DELETE CASCADE, document text NOT NULL)",
    POSTGRES_INDEX,
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
]
POSTGRES_TRIGGERS = {
    "account_search_account": "AFTER INSERT OR UPDATE OF company_name, name, city ON account",
    "account_search_contact": "AFTER INSERT OR DELETE OR UPDATE OF email ON account_contact",
}


def _sqlite_trigger(name: str, when: str) -> str:
    target = (
        "OLD.account_id"
        if "DELETE" in when
        else ("NEW.id" if when.endswith(" account") else "NEW.account_id")
    )
    return f"CREATE TRIGGER {name} {when} BEGIN {SQLITE_REFRESH.format(id=target)} END"


def _triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION account_search_on_change()"
            for name, when in POSTGRES_TRIGGERS.items()
        ]
    statements = [_sqlite_trigger(name, when) for name, when in SQLITE_TRIGGERS.items()]
    # A deleted account takes its document with it (its contacts' triggers find no account).
    statements.append(
        "CREATE TRIGGER account_search_account_delete AFTER DELETE ON account "
        "BEGIN DELETE FROM account_search WHERE rowid = OLD.id; END"
    )
    return statements


def _drop_triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        tables = {"account_search_account": "account", "account_search_contact": "account_contact"}
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in tables.items()]
    names = [*SQLITE_TRIGGERS, "account_search_account_delete"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def install(conn: Connection) -> None:
    """Create the search table, its index and triggers, and fill it (used by the migration)."""
    dialect = conn.dialect.name
    for statement in POSTGRES_DDL if dialect == "postgresql" else SQLITE_DDL:
        conn.execute(text(statement))
    for statement in _triggers(dialect):
        conn.execute(text(statement))
    rebuild(conn)


def uninstall(conn: Connection) -> None:
    """Drop the search table, triggers and functions (the migration's downgrade)."""
    for statement in _drop_triggers(conn.dialect.name):
        conn.execute(text(statement))
    conn.execute(text("DROP TABLE IF EXISTS account_search"))
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP FUNCTION IF EXISTS account_search_on_change()"))
        conn.execute(text("DROP FUNCTION IF EXISTS account_search_refresh(integer)"))


def rebuild(conn: Connection) -> None:
    """Write every account's document afresh, in one statement."""
    postgres = conn.dialect.name == "postgresql"
    key, document = ("account_id", POSTGRES_DOCUMENT) if postgres else ("rowid", SQLITE_DOCUMENT)
    conn.execute(text("DELETE FROM account_search"))
    conn.execute(
        text(f"INSERT INTO account_search ({key}, document) SELECT a.id, {document} FROM account a")
    )


@contextmanager
def deferred() -> Iterator[None]:
    """Load many rows without per-row trigger work, then build every document (and on
    PostgreSQL the index) once."""
    conn = db.session.connection()
    postgres = conn.dialect.name == "postgresql"
    for statement in _drop_triggers(conn.dialect.name):
        conn.execute(text(statement))
    if postgres:
        conn.execute(text("DROP INDEX IF EXISTS ix_account_search_document"))
    try:
        yield
    finally:
        conn = db.session.connection()
        rebuild(conn)
        if postgres:
            conn.execute(text(POSTGRES_INDEX))
        for statement in _triggers(conn.dialect.name):
            conn.execute(text(statement))
        db.session.commit()


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching_ids(words: Sequence[str]) -> Select:
    """The ids of accounts whose document contains every word (case-insensitive)."""
    words = [w.lower() for w in words]
    long_words = [w for w in words if len(w) >= MIN_INDEXED]
    if db.session.get_bind().dialect.name == "postgresql":
        table = POSTGRES_TABLE
        conditions = [table.c.document.like(_like(w), escape="\\") for w in words]
        return select(table.c.account_id).where(and_(*conditions))
    table = SQLITE_TABLE
    short = [w for w in words if w not in long_words]
    conditions = [table.c.document.like(_like(w), escape="\\") for w in short]
    if long_words:
        match = " ".join(_phrase(w) for w in long_words)
        conditions.insert(0, text("account_search MATCH :match").bindparams(match=match))
    return select(table.c.rowid).where(and_(*conditions))
