"""Users, passwords, the current-user helpers and ``users create``."""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from flask_login import AnonymousUserMixin, current_user, login_user
from sqlalchemy import func, select

from webapp.accounts.models import User, get_resolved_user, is_authenticated_user
from webapp.errors import ConfigurationError, ValidationError
from webapp.extensions import db

GOOD_PASSWORD = "correct-staple-91x"


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_resolves_none_users_anonymous_and_doubles(ctx):
    user = User(email="a@example.com")
    anonymous = AnonymousUserMixin()
    double = SimpleNamespace(is_authenticated=True)
    assert get_resolved_user(None) is None
    assert get_resolved_user(user) is user
    assert get_resolved_user(anonymous) is anonymous
    assert get_resolved_user(double) is double
    mock = MagicMock()
    assert get_resolved_user(mock) is mock


@pytest.mark.parametrize("bad", ["admin@example.com", 42, 3.5, b"bytes", object()])
def test_anything_else_is_a_configuration_error(bad):
    with pytest.raises(ConfigurationError):
        get_resolved_user(bad)
    assert is_authenticated_user(bad) is False


def test_current_user_proxy_is_resolved(app):
    with app.test_request_context():
        user = User(email="staff@example.com", role="admin")
        user.set_password(GOOD_PASSWORD)
        db.session.add(user)
        db.session.commit()
        assert get_resolved_user(current_user) is not current_user
        assert isinstance(get_resolved_user(current_user), AnonymousUserMixin)
        assert is_authenticated_user(current_user) is False
        login_user(user)
        assert get_resolved_user(current_user) is user
        assert is_authenticated_user(current_user) is True


def test_is_authenticated_user_is_strict(ctx):
    assert is_authenticated_user(None) is False
    assert is_authenticated_user(AnonymousUserMixin()) is False
    assert is_authenticated_user(User(email="a@example.com")) is True
    assert is_authenticated_user(SimpleNamespace(is_authenticated=False)) is False
    assert is_authenticated_user(current_user) is False  # no request: never raises


def test_email_unique_whatever_the_case(ctx):
    db.session.add(User(email="Ada@Example.com"))
    db.session.commit()
    assert db.session.scalar(select(User.email)) == "ada@example.com"
    db.session.add(User(email="ADA@example.COM"))
    with pytest.raises(ValidationError) as caught:
        db.session.commit()
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    "password", ["short", "password1234", "aaaaaaaaaaaaaaaa", "ada.lovelace-2024"]
)
def test_weak_passwords_refused(ctx, password):
    user = User(email="ada.lovelace@example.com")
    with pytest.raises(ValidationError):
        user.set_password(password)


def test_password_hash_and_check(ctx):
    user = User(email="ada@example.com", role="viewer")
    user.set_password(GOOD_PASSWORD)
    assert user.password_hash.startswith("$argon2")
    assert GOOD_PASSWORD not in user.password_hash
    assert user.check_password(GOOD_PASSWORD) and not user.check_password("wrong-password-123")
    assert not User(email="p@example.com").check_password("")


def test_new_password_ends_other_sessions(ctx):
    user = User(email="ada@example.com", role="viewer")
    user.set_password(GOOD_PASSWORD)
    before = user.get_id()
    user.set_password("another-strong-pass-7")
    assert user.get_id() != before


def test_users_create_command(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Boss@Example.com",
            "--password",
            GOOD_PASSWORD,
            "--role",
            "admin",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("boss@example.com", "admin")
        assert user.check_password(GOOD_PASSWORD)


def test_users_create_without_a_role_makes_a_platform_user(runner, app):
    args = ["users", "create", "--email", "Mia@Example.com", "--password", GOOD_PASSWORD]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Created platform user mia@example.com." in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("mia@example.com", None)


@pytest.mark.parametrize(
    ("email", "password", "role", "message"),
    [
        ("boss@example.com", GOOD_PASSWORD, "admin", "already exists"),
        ("new@example.com", "short", "editor", "12 characters"),
        ("new@example.com", GOOD_PASSWORD, "superuser", "Unknown role"),
        ("not-an-email", GOOD_PASSWORD, "viewer", "valid email"),
    ],
)
def test_users_create_refuses_bad_input(runner, app, email, password, role, message):
    runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "boss@example.com",
            "--password",
            GOOD_PASSWORD,
            "--role",
            "admin",
        ]
    )
    result = runner.invoke(
        args=["users", "create", "--email", email, "--password", password, "--role", role]
    )
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert user_count() == 1


def test_ensure_admin_creates_one_admin_once(runner, app, monkeypatch):
    monkeypatch.delenv("ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    first = runner.invoke(args=["users", "ensure-admin"])
    assert first.exit_code == 0 and "password" in first.output
    password = first.output.strip().rsplit(" ", 1)[-1]
    second = runner.invoke(args=["users", "ensure-admin"])
    assert second.exit_code == 0 and "password" not in second.output
    with app.app_context():
        admins = db.session.scalars(select(User).where(User.role == "admin")).all()
        assert len(admins) == 1 and admins[0].check_password(password)


def test_outdated_hash_parameters_are_upgraded_at_check(ctx):
    from argon2 import PasswordHasher

    user = User(email="ada@example.com", role="viewer")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(GOOD_PASSWORD)
    old_hash = user.password_hash
    assert user.check_password(GOOD_PASSWORD)
    assert user.password_hash != old_hash and user.check_password(GOOD_PASSWORD)
