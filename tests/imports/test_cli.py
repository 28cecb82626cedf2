"""``flask accounts import | describe | apply``: output, exit codes, nothing written on error."""

from __future__ import annotations

import yaml
from sqlalchemy import func, select

from webapp.accounts.models import Account
from webapp.audit.models import AuditEvent
from webapp.extensions import db


def count(model=Account) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def invoke(runner, *args: str):
    result = runner.invoke(args=list(args))
    db.session.expire_all()
    return result


def test_import_dry_run_then_apply(ctx, runner, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("company_name,country\nAcme,us\nBeta,FRA\n")
    dry = invoke(runner, "accounts", "import", str(path))
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 2 to create, 0 to update, 0 unchanged, 0 bad rows." in dry.output
    assert count() == 0
    done = invoke(runner, "accounts", "import", str(path), "--apply")
    assert done.exit_code == 0 and "Imported: 2 created" in done.output
    assert count() == 2 and count(AuditEvent) == 2
    assert db.session.scalar(select(AuditEvent.actor)) == "cli"


def test_a_bad_row_exits_non_zero_and_writes_nothing(ctx, runner, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("company_name,phone_number\nAcme,\nBad,12\n")
    result = invoke(runner, "accounts", "import", str(path), "--apply")
    assert result.exit_code == 1
    assert "line 3, phone_number: Enter a valid phone number" in result.output
    assert count() == 0


def test_a_bad_file_exits_non_zero_with_the_reason(ctx, runner, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("company_name\nCafé\n".encode("latin-1"))
    result = invoke(runner, "accounts", "import", str(path))
    assert result.exit_code == 1 and "not UTF-8" in result.output


def test_describe_then_apply_changes_nothing(ctx, runner, make_account, tmp_path):
    account = make_account(
        company_name="Acme",
        phone_number="+12125550100",
        postal_code="02110",
        tags={"vip"},
        annotations={"tier": "gold", "seats": 3},
    )
    described = invoke(runner, "accounts", "describe", account.account_number)
    assert described.exit_code == 0
    manifest = yaml.safe_load(described.output)
    assert manifest["kind"] == "Account"
    assert manifest["metadata"]["tags"] == ["vip"]
    assert manifest["metadata"]["annotations"] == {"tier": "gold", "seats": 3}
    assert manifest["spec"]["account_number"] == account.account_number
    assert manifest["spec"]["phone_number"] == "+12125550100"
    path = tmp_path / "acme.yaml"
    path.write_text(described.output)
    events, revision = count(AuditEvent), account.revision
    result = invoke(runner, "accounts", "apply", "-f", str(path))
    assert result.exit_code == 0 and "0 created, 0 updated, 1 unchanged" in result.output
    assert count(AuditEvent) == events
    assert db.session.get(Account, account.id).revision == revision


def test_apply_creates_and_updates_from_several_documents(ctx, runner, make_account, tmp_path):
    stored = make_account(company_name="Stored")
    path = tmp_path / "m.yaml"
    path.write_text(
        "kind: Account\nmetadata:\n  tags: [new]\nspec:\n  company_name: Fresh\n  country: fr\n"
        f"---\nkind: Account\nspec:\n  account_number: {stored.account_number}\n"
        "  city: Oslo\n  phone_number: '+4722225555'\n"
    )
    result = invoke(runner, "accounts", "apply", "-f", str(path))
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated" in result.output
    fresh = db.session.scalar(select(Account).where(Account.company_name == "Fresh"))
    assert fresh.country == "FRA" and fresh.tags == {"new"}
    updated = db.session.get(Account, stored.id)
    assert (updated.city, updated.phone_number) == ("Oslo", "+4722225555")


def test_a_bad_manifest_names_the_key(ctx, runner, tmp_path):
    cases = {
        "kind: Account\nspec:\n  company_name: A\n  colour: red\n": "spec.colour: Unknown key",
        "kind: Acount\nspec:\n  company_name: A\n": "kind: Must be Account",
        "kind: Account\nmetadata:\n  name: Bad Name\n": "spec.company_name: This field",
        "kind: Account\nspec:\n  company_name: A\n  country: XX\n": "spec.country: Use an ISO",
        "kind: Account\nmetadata:\n  labels: [a]\nspec:\n  company_name: A\n": "metadata.labels",
        "kind: Account\nspec: [1]\n": "spec: Must be a mapping",
        "kind: Account\nspec:\n  company_name: A\n  phone_number: +4722225555\n": "in quotes",
    }
    for number, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"bad{number}.yaml"
        path.write_text(text)
        result = invoke(runner, "accounts", "apply", "-f", str(path))
        assert result.exit_code == 1, text
        assert message in result.output, (text, result.output)
    assert count() == 0


def test_unreadable_yaml_and_an_unknown_number(ctx, runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("kind: [Account\n")
    result = invoke(runner, "accounts", "apply", "-f", str(path))
    assert result.exit_code == 1 and "Not valid YAML" in result.output
    missing = invoke(runner, "accounts", "describe", "0000-0000-0000")
    assert missing.exit_code == 1 and "no account has the number" in missing.output


def test_purge_imports_keeps_recent_and_running_jobs(ctx, runner):
    from datetime import timedelta

    from webapp.core.types import utcnow
    from webapp.imports.models import ImportJob

    old = utcnow() - timedelta(days=2)
    for status in ("checked", "applied", "checking"):
        db.session.add(ImportJob(user_id=1, status=status, updated_at=old))
    db.session.add(ImportJob(user_id=1, status="checked"))
    db.session.commit()
    result = invoke(runner, "accounts", "purge-imports")
    assert result.exit_code == 0 and "2 old import jobs deleted" in result.output
    assert sorted(db.session.scalars(select(ImportJob.status))) == ["checked", "checking"]
