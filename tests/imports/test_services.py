"""The import service: dry run, apply in one transaction, audit, re-import, round trip."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, insert, select

from webapp.accounts.models import Account
from webapp.accounts.queries import ListQuery, export_csv
from webapp.audit.models import AuditEvent
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.imports import services
from webapp.imports.reading import BadRow


def export() -> bytes:
    return "".join(export_csv(ListQuery(sort="account_number"))).encode()


def run(data: str | bytes, filename: str = "a.csv") -> services.Plan:
    plan = services.check(data.encode() if isinstance(data, str) else data, filename)
    if not plan.bad:
        services.apply(plan, "tester")
        db.session.commit()
    return plan


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def accounts() -> int:
    return db.session.scalar(select(func.count()).select_from(Account)) or 0


def test_dry_run_counts_and_bad_rows(ctx, make_account):
    same = make_account(company_name="Same Co")
    moved = make_account(company_name="Moved Co")
    data = (
        "account_number,company_name,city,phone_number\n"
        f"{same.account_number},Same Co,,\n"
        f"{moved.account_number},Moved Co,Lyon,\n"
        ",New Co,,\n"
        ",,Paris,\n"
        ",Bad Phone,,12\n"
        "1234-5678,Bad Number,,\n"
    )
    plan = services.check(data.encode(), "a.csv")
    assert plan.counts() == {"create": 1, "update": 1, "unchanged": 1, "bad": 3}
    assert plan.bad == [
        BadRow(5, "company_name", "This field is required."),
        BadRow(6, "phone_number", "Enter a valid phone number, such as +1 212 555 0100."),
        BadRow(7, "account_number", "Use the form 1234-5678-9012 (ASCII digits)."),
    ]
    assert plan.updates[0].changes == {"city": ["", "Lyon"]}
    assert accounts() == 2  # a dry run writes nothing


def test_one_bad_row_writes_nothing(ctx, make_account):
    kept = make_account(company_name="Kept")
    data = f"account_number,company_name\n{kept.account_number},Renamed\n,New\n,{'x' * 300}\n"
    plan = services.check(data.encode())
    assert plan.bad[0].line == 4 and plan.bad[0].field == "company_name"
    with pytest.raises(ValidationError):
        services.apply(plan, "tester")
    db.session.rollback()
    assert accounts() == 1 and db.session.get(Account, kept.id).company_name == "Kept"


def test_apply_audits_one_event_per_changed_account(ctx, make_account):
    same, changed = make_account(company_name="Same"), make_account(company_name="Old")
    data = (
        "account_number,company_name,tags\n"
        f"{same.account_number},Same,\n{changed.account_number},New,vip\n,Brand New,beta;vip\n"
    )
    run(data)
    (update,) = events("account.update")
    assert update.account_id == changed.id and update.actor == "tester"
    assert update.changes == {"company_name": ["Old", "New"], "tags": [[], ["vip"]]}
    (create,) = events("account.create")
    created = db.session.get(Account, create.account_id)
    assert created.company_name == "Brand New" and created.tags == {"beta", "vip"}
    assert create.changes["tags"] == [None, ["beta", "vip"]]
    assert create.changes["country"] == [None, "USA"]
    db.session.refresh(changed)
    assert changed.revision == 2 and changed.tags == {"vip"}
    assert db.session.get(Account, same.id).revision == 1


def test_missing_columns_keep_stored_values_or_defaults(ctx, make_account):
    stored = make_account(company_name="Stored", city="Oslo", country="NOR", tags={"vip"})
    run(f"account_number,company_name\n{stored.account_number},Renamed\n,Fresh\n")
    db.session.refresh(stored)
    assert (stored.city, stored.country, stored.tags) == ("Oslo", "NOR", {"vip"})
    fresh = db.session.scalar(select(Account).where(Account.company_name == "Fresh"))
    assert (fresh.country, fresh.currency, fresh.version, fresh.name) == (
        "USA",
        "USD",
        "1.0.0",
        "fresh",
    )


def test_reimport_of_numbered_rows_changes_nothing(ctx, make_account):
    make_account(company_name="One", tags={"a"}, annotations={"k": 1})
    data = export()
    first = run(data)
    before = (accounts(), len(list(db.session.scalars(select(AuditEvent)))))
    second = run(data)
    assert first.counts()["unchanged"] == second.counts()["unchanged"] == 1
    assert second.counts()["create"] == second.counts()["update"] == 0
    assert (accounts(), len(list(db.session.scalars(select(AuditEvent))))) == before


def awkward_accounts(make_account) -> None:
    make_account(
        company_name="=HYPERLINK(evil)",
        description='\'quoted, with "quotes"\nand a second line',
        phone_number="+12125550100",
        tags={"vip", "beta"},
        annotations={"tier": "gold", "seats": 12, "ok": True, "none": None},
        address1="-minus",
        is_default_account=True,
    )
    make_account(company_name="Plain", country="FRA", phone_number="+33 1 42 68 53 00")


def test_export_import_export_is_identical(ctx, make_account):
    awkward_accounts(make_account)
    exported = export()
    assert b"'+12125550100" in exported and b"'=HYPERLINK(evil)" in exported
    plan = run(exported)
    assert plan.counts()["unchanged"] == 2 and not plan.bad
    assert export() == exported


def without_times(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode())))
    return [row[:-2] for row in rows]


def test_round_trip_into_an_empty_database(ctx, make_account):
    awkward_accounts(make_account)
    exported = export()
    _delete_accounts()
    plan = run(exported)
    assert plan.counts()["create"] == 2
    assert without_times(export()) == without_times(exported)


def test_json_lines_round_trip(ctx, make_account):
    awkward_accounts(make_account)
    exported = export()
    lines = []
    for row in csv.DictReader(io.StringIO(exported.decode())):
        record = {k: (v[1:] if v.startswith("'") else v) for k, v in row.items()}
        record["tags"] = [t for t in record["tags"].split(";") if t]
        record["annotations"] = json.loads(record["annotations"])
        record["is_active"] = record["is_active"] == "True"
        record["is_default_account"] = record["is_default_account"] == "True"
        lines.append(json.dumps(record))
    data = "\n".join(lines) + "\n"
    assert run(data, "a.jsonl").counts()["unchanged"] == 2
    _delete_accounts()
    assert run(data, "a.jsonl").counts()["create"] == 2
    assert without_times(export()) == without_times(exported)


def _delete_accounts() -> None:
    for account in db.session.scalars(select(Account)):
        db.session.delete(account)
    db.session.commit()


def test_country_alpha2_any_case_is_stored_as_alpha3(ctx):
    run("company_name,country\nLower,us\nUpper,FR\n")
    stored = dict(db.session.execute(select(Account.company_name, Account.country)).all())
    assert stored == {"Lower": "USA", "Upper": "FRA"}


def test_duplicate_numbers_are_each_reported(ctx):
    data = "account_number,company_name\n1111-2222-3333,A\n1111-2222-3333,B\n,C\n1111-2222-3333,D\n"
    plan = services.check(data.encode())
    assert [(b.line, b.field) for b in plan.bad] == [(3, "account_number"), (5, "account_number")]
    assert "line 2" in plan.bad[0].message


def test_the_default_flag_moves_to_the_imported_account(ctx, make_account):
    old = make_account(company_name="Old default", is_default_account=True)
    new = make_account(company_name="New default")
    run(f"account_number,is_default_account\n{new.account_number},true\n")
    db.session.refresh(old)
    db.session.refresh(new)
    assert new.is_default_account and not old.is_default_account
    two = services.check(b"company_name,is_default_account\nA,true\nB,yes\n")
    assert [(b.line, b.field) for b in two.bad] == [(3, "is_default_account")]


def test_an_account_changed_since_the_dry_run_is_a_conflict(ctx, make_account):
    account = make_account(company_name="Before")
    data = f"account_number,city\n{account.account_number},Rome\n".encode()
    pins = services.check(data).pins
    account.company_name = "Someone else"
    db.session.commit()
    with pytest.raises(services.Conflict, match=account.account_number):
        services.apply(services.check(data), "tester", pins=pins)
    db.session.rollback()
    assert db.session.get(Account, account.id).city == ""


def test_imported_changes_reach_the_cache(ctx, make_account):
    account = make_account(company_name="Cached")
    assert Account.get_cached_object(account_number=account.account_number).city == ""
    run(f"account_number,city\n{account.account_number},Rome\n")
    assert Account.get_cached_object(account_number=account.account_number).city == "Rome"


def test_json_values_of_the_wrong_type_are_bad_rows(ctx):
    data = (
        '{"company_name": "A", "tags": 5}\n'
        '{"company_name": 7}\n'
        '{"company_name": "B", "annotations": [1]}\n'
        '{"company_name": "C", "is_active": "maybe"}\n'
        '{"company_name": "D", "account_number": 12}\n'
    )
    plan = services.check(data.encode(), "a.jsonl")
    assert [(b.line, b.field) for b in plan.bad] == [
        (1, "tags"),
        (2, "company_name"),
        (3, "annotations"),
        (4, "is_active"),
        (5, "account_number"),
    ]


def test_a_number_taken_during_the_apply_is_a_conflict(ctx, monkeypatch):
    from webapp.imports import writing

    plan = services.check(b"account_number,company_name\n1111-2222-3333,Late\n")
    real = writing._create

    def taken_meanwhile(*args, **kwargs):
        db.session.execute(insert(Account.__table__).values(
            account_number="1111-2222-3333", company_name="First", name="first"))  # fmt: skip
        return real(*args, **kwargs)

    monkeypatch.setattr(writing, "_create", taken_meanwhile)
    with pytest.raises(services.Conflict, match="Nothing was imported"):
        services.apply(plan, "tester")
    db.session.rollback()
    assert accounts() == 0
