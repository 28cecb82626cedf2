"""``flask --app wsgi accounts import | describe | apply``: imports and manifests for operators."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click
from flask.cli import AppGroup

from webapp.accounts.models import Account
from webapp.extensions import db
from webapp.imports import manifests, services
from webapp.imports.reading import FileProblem

__all__ = ["accounts_cli"]

accounts_cli = AppGroup("accounts", help="Import accounts and work with account manifests.")
ACTOR = "cli"


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _counts(plan: services.Plan, done: bool) -> str:
    c = plan.counts()
    verb = ("created", "updated") if done else ("to create", "to update")
    bad = f", {c['bad']:,} bad row{'s' if c['bad'] != 1 else ''}" if not done else ""
    counts = f"{c['create']:,} {verb[0]}, {c['update']:,} {verb[1]}"
    return f"{counts}, {c['unchanged']:,} unchanged{bad}"


def _report(plan: services.Plan, label: str = "line", key: Callable[[str], str] = str) -> None:
    """Print every bad row, then stop with a non-zero exit when there is any."""
    for bad in plan.bad:
        where = f"{label} {bad.line}" + (f", {key(bad.field)}" if bad.field else "")
        click.echo(f"{where}: {bad.message}", err=True)
    if plan.bad:
        _fail("nothing was written; correct the rows above and run again.")


def _apply(plan: services.Plan) -> None:
    try:
        services.apply(plan, ACTOR)
        db.session.commit()
    except (services.Conflict, ValueError) as exc:
        db.session.rollback()
        _fail(str(exc))


@accounts_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "do_apply", is_flag=True, help="Write the changes (default: dry run).")
def import_file(path: Path, do_apply: bool) -> None:
    """Check a CSV or JSON Lines file of accounts; with --apply, import it in one transaction."""
    try:
        plan = services.check(path.read_bytes(), path.name)
    except FileProblem as exc:
        _fail(str(exc))
    click.echo(("Dry run: " if not do_apply else "Checked: ") + _counts(plan, done=False) + ".")
    _report(plan)
    if do_apply:
        _apply(plan)
        click.echo(f"Imported: {_counts(plan, done=True)}.")
    else:
        click.echo("Nothing written (dry run); add --apply to import.")


@accounts_cli.command("describe")
@click.argument("number")
def describe(number: str) -> None:
    """Print the account as a YAML manifest."""
    account = Account.get_by_account_number(number)
    if account is None:
        _fail(f"no account has the number {number!r}.")
    click.echo(manifests.describe(account), nl=False)


@accounts_cli.command("apply")
@click.option("-f", "--filename", "path", required=True, type=click.File("r", encoding="utf-8"))
def apply_manifest(path: TextIO) -> None:
    """Create or update accounts from a YAML manifest (one or several documents)."""
    try:
        plan = services.plan_lines(manifests.documents(path.read()))
    except manifests.ManifestProblem as exc:
        _fail(str(exc))
    _report(plan, "document", manifests.key_of)
    _apply(plan)
    click.echo(f"Applied: {_counts(plan, done=True)}.")


@accounts_cli.command("purge-imports")
def purge_imports() -> None:
    """Delete import jobs and their uploads older than a day (running jobs stay)."""
    from webapp.imports.jobs import purge

    count = purge()
    db.session.commit()
    click.echo(f"{count:,} old import jobs deleted")
