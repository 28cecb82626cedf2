"""The benchmark's peer: a plain Flask-Admin 2.x ModelView of the same ``account`` table.

    gunicorn -w 2 --chdir bench/peers flask_admin_app:app

Reads ``DATABASE_URL`` and ``SECRET_KEY`` from the environment. It has a model class of its
own (it never imports ``webapp``) and one in-memory user behind a minimal Flask-Login
sign-in, so each request pays for a signed-in session as ours do. Forms are Flask-Admin's
``SecureForm`` (a CSRF token kept in the session).
"""

from __future__ import annotations

import hmac
import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, redirect, request, url_for
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import SecureForm
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, Boolean, DateTime, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

EMAIL = "peer@example.com"
PASSWORD = "load-test-phrase-2026"


class Base(DeclarativeBase):
    """The peer's own declarative base: nothing is shared with the app under test."""


db = SQLAlchemy(model_class=Base)
login = LoginManager()


def utcnow() -> datetime:
    """The current time in UTC, for the timestamps the seed also fills."""
    return datetime.now(UTC)


class Account(db.Model):
    """The columns of ``account`` that its screens show and edit."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(String(14), unique=True)
    company_name: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[str] = mapped_column(String(64), default="1.0.0")
    annotations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    phone_number: Mapped[str | None] = mapped_column(String(20))
    address1: Mapped[str] = mapped_column(String(255), default="")
    address2: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(255), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(3), default="USA")
    language: Mapped[str] = mapped_column(String(35), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default_account: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class User(UserMixin):
    """The one user who may sign in."""

    id = "1"


class AccountView(ModelView):
    """A plain ModelView, configured like our list: page size, search, filters, columns."""

    form_base_class = SecureForm
    page_size = 25
    can_create = True
    can_edit = True
    column_list = (
        "company_name",
        "account_number",
        "city",
        "country",
        "is_active",
        "created_at",
        "updated_at",
    )
    column_default_sort = [("company_name", False), ("id", False)]
    column_searchable_list = ("company_name", "account_number", "name", "city")
    column_filters = ("is_active", "country")
    form_excluded_columns = ("created_at", "updated_at")

    def is_accessible(self) -> bool:
        """Only the signed-in user sees the screens."""
        return current_user.is_authenticated

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        """Send anyone else to sign in."""
        return redirect(url_for("sign_in", next=request.path))


@login.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user: the one user, or nobody."""
    return User() if user_id == User.id else None


def sign_in() -> Any:
    """GET: a bare form; POST: check the one user's credentials and start a session."""
    if request.method == "POST":
        email_ok = hmac.compare_digest(request.form.get("email", ""), EMAIL)
        password_ok = hmac.compare_digest(request.form.get("password", ""), PASSWORD)
        if email_ok and password_ok:
            login_user(User())
            return redirect(url_for("admin.index"), 303)
        return "wrong credentials", 401
    return (
        '<form method="post"><input name="email"><input name="password" type="password">'
        "<button>Sign in</button></form>"
    )


def ping() -> dict[str, str]:
    """The trivial route: the harness's floor for this app."""
    return {"status": "ok"}


def create_app() -> Flask:
    """The peer app on ``DATABASE_URL``."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
        SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
    )
    db.init_app(app)
    login.init_app(app)
    app.add_url_rule("/login", "sign_in", sign_in, methods=["GET", "POST"])
    app.add_url_rule("/ping", "ping", ping)
    admin = Admin(app, name="Accounts (Flask-Admin)")
    admin.add_view(AccountView(Account, db.session, endpoint="account"))
    return app


app = create_app()
