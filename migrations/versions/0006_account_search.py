"""Search documents: one lower-cased text per account (company name, number, name, city and
contact emails), kept by triggers; SQLite indexes it with FTS5 trigrams, PostgreSQL with a
pg_trgm GIN index. On PostgreSQL this replaces the per-column trigram indexes of 0003, which
no query reads any more and every write had to keep up to date.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 18:05:00

"""
from alembic import op

from webapp.accounts import search

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


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in COLUMN_TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    search.install(op.get_bind())


def downgrade():
    search.uninstall(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, expression) in COLUMN_TRIGRAM_INDEXES.items():
            op.execute(
                f"CREATE INDEX {name} ON {table} USING gin ({expression} public.gin_trgm_ops)"
            )
