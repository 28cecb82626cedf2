"""Operator commands: ``flask --app wsgi users create | billing rollup | seed-demo | check``."""

from __future__ import annotations

import os
import secrets
import sys
import time
from datetime import date
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, ScriptInfo, with_appcontext
from sqlalchemy import select

from webapp.errors import ValidationError
from webapp.extensions import db

users_cli = AppGroup("users", help="Manage staff users.")
billing_cli = AppGroup("billing", help="Billing jobs.")
tokens_cli = AppGroup("tokens", help="API tokens.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _user(email: str) -> Any:
    """The user with this email (any case); otherwise a clear error and exit status 1."""
    from webapp.auth.services import find_user

    user = find_user(email)
    if user is None:
        _fail(f"No user has the email {email!r}.")
    return user


def _audit_created(user: Any) -> None:
    """Record a staff user made from the command line (the actor is "cli")."""
    from webapp.audit.services import record

    changes = {"email": [None, user.email], "role": [None, user.role]}
    record("user.create", actor="cli", obj=user, changes=changes)


@users_cli.command("create")
@click.option("--email", required=True, help="The user's email (unique, any case).")
@click.option("--password", required=True, help="At least 12 characters, not the email.")
@click.option(
    "--role", default=None, help="admin, editor or viewer; none: a platform user (member admin)."
)
def users_create(email: str, password: str, role: str | None) -> None:
    """Create a staff user, or without ``--role`` a platform user (SPEC 2)."""
    from webapp.auth.services import create_user

    try:
        user = create_user(email, password, role)
        _audit_created(user)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        _fail(exc.message if exc.field in ("role", "email") else f"{exc.field}: {exc.message}")
    click.echo(f"Created {user.role or 'platform user'} {user.email}.")


@users_cli.command("reset-2fa")
@click.option("--email", required=True, help="The user's email (any case).")
def users_reset_2fa(email: str) -> None:
    """Remove a user's two-factor sign-in (authenticator app and recovery codes); audited."""
    from webapp.twofactor.services import reset

    user = _user(email)
    had = reset(user, by="cli")
    db.session.commit()
    done = "was reset" if had else "was not set up; nothing to remove (recorded)"
    click.echo(f"Two-factor sign-in of {user.email} {done}.")


@users_cli.command("ensure-admin")
def users_ensure_admin() -> None:
    """Make sure an admin exists: from ADMIN_EMAIL/ADMIN_PASSWORD, else a generated password."""
    from webapp.auth.models import User
    from webapp.auth.services import create_user

    if db.session.scalar(select(User.id).where(User.role == "admin", User.is_active).limit(1)):
        click.echo("An admin exists.")
        return
    email = os.environ.get("ADMIN_EMAIL") or "admin@example.com"
    password = os.environ.get("ADMIN_PASSWORD")
    generated = password is None
    password = password or secrets.token_urlsafe(15)
    try:
        _audit_created(create_user(email, password, "admin"))
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        _fail(f"{exc.field}: {exc.message}")
    click.echo(f"Created admin {email}.")
    if generated:
        click.echo(f"Its password (shown once, change it after signing in): {password}")


@billing_cli.command("rollup")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The UTC day to roll up (YYYY-MM-DD); default: yesterday and today.",
)
def billing_rollup(day: object) -> None:
    """Build the daily billing records from the charges of that day."""
    from webapp.billing.services import default_rollup_days, rollup_days

    days: list[date] = [day.date()] if day is not None else default_rollup_days()  # type: ignore[attr-defined]
    counts = rollup_days(days, by="cli")
    db.session.commit()
    for each, count in counts.items():
        click.echo(f"{each.isoformat()}: {count} daily billing records")


@tokens_cli.command("create")
@click.option("--email", required=True, help="The staff user the token acts as.")
@click.option("--scope", type=click.Choice(["read", "write"]), required=True)
@click.option("--expires-days", type=click.IntRange(min=1), default=90, show_default=True)
@click.option("--name", default="", help="What the token is for.")
def tokens_create(email: str, scope: str, expires_days: int, name: str) -> None:
    """Create an API token; the token is printed once, alone on the last line."""
    from webapp.api.services import create_token

    user = _user(email)
    try:
        secret = create_token(user, scope, expires_days, name, by="cli")
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        _fail(exc.message)
    click.echo(f"Token for {user.email} ({scope}, {expires_days} days); it is not shown again:")
    click.echo(secret)


@tokens_cli.command("revoke")
@click.option("--email", required=True, help="Revoke every token of this user.")
def tokens_revoke(email: str) -> None:
    """Revoke all API tokens of a user."""
    from webapp.api.services import revoke_all

    user = _user(email)
    count = revoke_all(user, by="cli")
    db.session.commit()
    click.echo(f"Revoked {count} token{'' if count == 1 else 's'} of {user.email}.")


@click.command("seed-demo")
@click.option(
    "--accounts",
    "count",
    type=click.IntRange(1, 5_000_000),
    default=1000,
    show_default=True,
    help="How many demo accounts to add.",
)
@click.option("--seed", type=int, default=None, help="Random seed, for repeatable data.")
def seed_demo(count: int, seed: int | None) -> None:
    """Fill the database with realistic demo accounts, contacts, members and billing."""
    from webapp.demo.services import seed_demo as run

    started = time.perf_counter()
    report = run(count, seed=seed, progress=lambda text: click.echo(text))
    _audit_seed(report, seed)
    elapsed = time.perf_counter() - started
    click.echo(", ".join(f"{n:,} {what}" for what, n in report.items()) + f" in {elapsed:.1f} s")


def _audit_seed(report: dict[str, int], seed: int | None) -> None:
    """One summary event for a whole seed run: how many rows of each kind it added."""
    from webapp.audit.services import record

    changes = {kind: [None, n] for kind, n in report.items()}
    record("demo.seed", actor="cli", changes={**changes, "seed": [None, seed]})
    db.session.commit()


@click.command("purge-write-keys")
@with_appcontext
def purge_write_keys() -> None:
    """Delete one-time form keys older than 24 hours (writes also do it now and then)."""
    from webapp.api import ratelimit, request_keys
    from webapp.core.idempotency import purge

    count, api_keys = purge(), request_keys.purge()
    db.session.commit()
    click.echo(f"{count:,} expired form keys deleted")
    click.echo(f"{api_keys:,} expired API request keys deleted")
    if isinstance(storage := ratelimit.storage(), ratelimit.DatabaseStorage):
        click.echo(f"{storage.purge():,} ended API rate-limit windows deleted")


@click.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the settings, reach the database and the cache; exit 1 on any problem."""
    from webapp.core import checks

    problems, done = checks.settings_problems(os.environ.get), ""
    if problems:
        problems.append("database and cache not checked: fix the settings above first.")
    else:
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
            with app.app_context():
                problems = checks.app_problems(app, os.environ.get("DATABASE_REPLICA_URL"))
                done = checks.summary(app)
        except Exception as exc:  # the app could not even be built: say why, in one line
            problems = [f"app: {exc}"]
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"ok: {done}")


def register(app: Flask) -> None:
    """Attach the command groups to the app's CLI."""
    from webapp.imports.cli import accounts_cli

    app.cli.add_command(accounts_cli)
    app.cli.add_command(purge_write_keys)
    app.cli.add_command(users_cli)
    app.cli.add_command(billing_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(check)
