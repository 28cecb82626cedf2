"""Realistic demo data at scale: accounts, contacts, members, charges and daily records.

Rows are written with bulk inserts in batches (one transaction per batch). Accounts go
through the model's bulk-insert checks (``Account.clean_row``); the other rows are built
only from values checked once up front with the same validators (pools of phone numbers,
names and emails), which keeps 1,000,000 accounts within minutes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from sqlalchemy import Table, insert, literal, select, text

from webapp.accounts import search
from webapp.accounts.models import Account, AccountContact, Charge, User, UserProfile
from webapp.accounts.models.account import random_account_number
from webapp.billing.services import rollup_days
from webapp.core import validators
from webapp.core.models import Tag
from webapp.core.types import utcnow
from webapp.demo.data import ADJECTIVES, FIRST, LAST, LOCATIONS, NOUNS, PROVIDERS, SUFFIXES, TAGS
from webapp.extensions import db

BATCH = 10_000
BILLING_DAYS = 90


def phone_pool(region: str, rng: random.Random, size: int = 40) -> list[str]:
    """Valid E.164 numbers of a region, made by varying its example number."""
    example = str(phonenumbers.example_number(region).national_number)
    pool: set[str] = set()
    for _ in range(size * 20):
        candidate = example[:-4] + f"{rng.randrange(10_000):04d}"
        parsed = phonenumbers.parse(candidate, region)
        if phonenumbers.is_valid_number(parsed):
            pool.add(validators.phone_number(candidate, region))
        if len(pool) >= size:
            break
    return sorted(pool) or [None]  # type: ignore[list-item]


class DemoSeeder:
    """Builds demo rows batch by batch with one random generator (repeatable with a seed)."""

    def __init__(self, seed: int | None) -> None:
        self.rng = random.Random(seed)
        self.run = f"{random.getrandbits(32):08x}"  # unique per run, even with a fixed seed
        self.now = utcnow()
        self.phones = {loc[3]: phone_pool(loc[3], self.rng) for loc in LOCATIONS}
        self.tag_ids: list[int] = []
        self.user_ids: list[int] = []

    def account_rows(self, count: int) -> list[dict[str, Any]]:
        """``count`` account rows with numbers no stored account has."""
        numbers: set[str] = set()
        while len(numbers) < count:
            numbers.update(random_account_number() for _ in range(count - len(numbers)))
            taken = db.session.scalars(
                select(Account.account_number).where(Account.account_number.in_(numbers))
            ).all()
            numbers.difference_update(taken)
        return [self.account_row(number) for number in numbers]

    def account_row(self, number: str) -> dict[str, Any]:
        rng = self.rng
        city, state, postal, region, currency, tz, lang = rng.choice(LOCATIONS)
        company = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(SUFFIXES)}"
        created = self.now - timedelta(days=rng.randrange(1, 1500), seconds=rng.randrange(86_400))
        return {
            "account_number": number,
            "company_name": company,
            "description": f"{company}, a customer in {city} since {created.year}.",
            "version": "1.0.0",
            "annotations": {
                "tier": rng.choice(("free", "pro", "enterprise")),
                "seats": rng.randrange(1, 500),
            },
            "phone_number": rng.choice(self.phones[region]),
            "address1": f"{rng.randrange(1, 999)} {rng.choice(LAST)} Street",
            "address2": rng.choice(("", "", f"Suite {rng.randrange(100, 999)}")),
            "city": city,
            "state": state,
            "postal_code": postal,
            "country": region,
            "language": lang,
            "timezone": tz,
            "currency": currency,
            "is_active": rng.random() > 0.06,
            "is_default_account": False,
            "created_at": created,
            "updated_at": created + timedelta(days=rng.randrange(0, 30)),
        }

    def insert_accounts(self, count: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self.account_rows(count)
        db.session.execute(Account.__table__.insert(), rows)
        ids = dict(
            db.session.execute(
                select(Account.account_number, Account.id).where(
                    Account.account_number.in_([row["account_number"] for row in rows])
                )
            ).all()
        )
        return [(ids[row["account_number"]], row) for row in rows]

    def insert_batch(self, count: int, to_bill: int) -> dict[str, int]:
        """Insert ``count`` accounts with their contacts, members, tags and charges; commit."""
        accounts = self.insert_accounts(count)
        contacts, profiles = self.contact_rows(accounts), self.profile_rows(accounts)
        tags = self.tag_rows(accounts)
        billed = [a for a in accounts if a[1]["is_active"]][:to_bill]
        charges = self.charge_rows(billed)
        for table, rows in (
            (AccountContact.__table__, contacts),
            (UserProfile.__table__, profiles),
            (Account.tag_links.property.secondary, tags),
            (Charge.__table__, charges),
        ):
            if rows:
                db.session.execute(table.insert(), rows)
        db.session.commit()
        return {
            "accounts": len(accounts),
            "contacts": len(contacts),
            "members": len(profiles),
            "charges": len(charges),
            "billed": len(billed),
        }

    def contact_rows(self, accounts: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
        rows = []
        for account_id, account in accounts:
            domain = account["company_name"].lower().replace(" ", "-") + ".example"
            for index in range(self.rng.choice((1, 1, 2, 3))):
                first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
                rows.append(
                    {
                        "account_id": account_id,
                        "first_name": first,
                        "last_name": last,
                        "email": f"{first.lower()}.{last.lower()}{index or ''}@{domain}",
                        "phone_number": account["phone_number"],
                        "is_primary": index == 0,
                        "is_test": self.rng.random() < 0.02,
                        "welcomed": self.rng.random() < 0.8,
                        "created_at": account["created_at"],
                        "updated_at": account["updated_at"],
                    }
                )
        return rows

    def ensure_users(self, count: int) -> None:
        start = len(self.user_ids)
        rows = [
            {
                "email": f"{self.rng.choice(FIRST).lower()}.{self.run}.{i}@users.example",
                "is_active": True,
                "role": None,
                "session_token": f"{self.rng.getrandbits(64):016x}",
                "must_change_password": False,
                "created_at": self.now,
                "updated_at": self.now,
            }
            for i in range(start, count)
        ]
        if rows:
            self.user_ids += db.session.scalars(
                insert(User).returning(User.id, sort_by_parameter_order=True), rows
            ).all()

    def profile_rows(self, accounts: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
        rows = []
        for account_id, account in accounts:
            members = self.rng.sample(self.user_ids, self.rng.choice((1, 1, 2, 3)))
            for index, user_id in enumerate(members):
                rows.append(
                    {
                        "account_id": account_id,
                        "user_id": user_id,
                        "role": "owner" if index == 0 else self.rng.choice(("admin", "member")),
                        "created_at": account["created_at"],
                        "updated_at": account["updated_at"],
                    }
                )
        return rows

    def tag_rows(self, accounts: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
        if not self.tag_ids:
            db.session.add_all(Tag.named(label) for label in TAGS)
            db.session.flush()
            self.tag_ids = db.session.scalars(select(Tag.id).where(Tag.name.in_(TAGS))).all()
        rows = []
        for account_id, _ in accounts:
            if self.rng.random() < 0.35:
                for tag_id in self.rng.sample(self.tag_ids, self.rng.choice((1, 1, 2))):
                    rows.append({"account_id": account_id, "tag_id": tag_id})
        return rows

    def charge_rows(self, accounts: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
        rows = []
        for account_id, _ in accounts:
            for days_ago in range(BILLING_DAYS):
                for _ in range(self.rng.choice((0, 0, 1, 1, 2, 3))):
                    rows.append(self.charge_row(account_id, days_ago))
        return rows

    def charge_row(self, account_id: int, days_ago: int) -> dict[str, Any]:
        rng = self.rng
        provider = rng.choice(list(PROVIDERS))
        prompt, completion = rng.randrange(50, 4000), rng.randrange(10, 2000)
        return {
            "account_id": account_id,
            "user_id": rng.choice(self.user_ids) if rng.random() < 0.7 else None,
            "provider": provider,
            "model": rng.choice(PROVIDERS[provider]),
            "charge_type": rng.choice(("completion", "completion", "plugin", "tool")),
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "cost": Decimal(prompt * 3 + completion * 15) / Decimal(1_000_000),
            "reference": f"req_{rng.getrandbits(48):012x}",
            "created_at": self.now - timedelta(days=days_ago, seconds=rng.randrange(80_000)),
        }


@contextmanager
def secondary_indexes_deferred(tables: list[Table]) -> Iterator[None]:
    """On empty tables, drop the non-unique indexes and build each once after loading.

    Building an index over a loaded table is far cheaper than keeping it sorted through a
    million random inserts. Unique indexes stay, so every row is still checked as it lands.
    """
    empty = all(
        db.session.scalar(select(literal(1)).select_from(t).limit(1)) is None for t in tables
    )
    indexes = [ix for t in tables for ix in t.indexes if not ix.unique] if empty else []
    connection = db.session.connection()
    for index in indexes:
        index.drop(connection)
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        connection = db.session.connection()
        for index in indexes:
            index.create(connection)
        db.session.commit()


def seed_demo(
    count: int, seed: int | None = None, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Add ``count`` demo accounts with their related rows; returns how many rows of each kind."""
    seeder = DemoSeeder(seed)
    if db.session.get_bind().dialect.name == "sqlite":
        # A large page cache keeps the random-order index inserts of big batches in memory.
        db.session.execute(text("PRAGMA cache_size = -262144"))
    totals = {"accounts": 0, "contacts": 0, "members": 0, "charges": 0}
    seeder.ensure_users(max(10, min(count // 4, 250_000)))
    db.session.commit()
    tables = [Account.__table__, AccountContact.__table__, UserProfile.__table__]
    with search.deferred(), secondary_indexes_deferred(tables):
        to_bill = max(20, count // 500)
        for start in range(0, count, BATCH):
            batch = seeder.insert_batch(min(BATCH, count - start), to_bill)
            to_bill -= batch["billed"]
            for kind in totals:
                totals[kind] += batch[kind]
            if progress and (start // BATCH) % 10 == 0:
                progress(f"  {totals['accounts']:,} / {count:,} accounts")
    today = utcnow().date()
    rollup_days(today - timedelta(days=d) for d in range(BILLING_DAYS + 1))
    db.session.commit()
    _refresh_statistics()
    return totals


def _refresh_statistics() -> None:
    """Fresh planner statistics for the loaded tables; on PostgreSQL also VACUUM, whose
    visibility map lets index-only scans skip the heap (a far OFFSET page read 500,000 heap
    rows without it)."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
