"""The accounts admin dashboard: ``create_app`` builds one Flask application."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from webapp.config import load_config

__all__ = ["create_app"]

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with ``config`` overriding any setting.

    ``INSTANCE_PATH`` (default ``instance/`` in the checkout) gives each host of a
    deployment a folder of its own.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(load_config(app.instance_path, config))
    register_extensions(app)
    register_observability(app)
    register_security(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions of ``webapp.extensions`` to this app."""
    from webapp.auth.services import load_user
    from webapp.core import database, i18n, idempotency, replica
    from webapp.core.migrations import init_migrations
    from webapp.extensions import cache, csrf, db, login_manager

    database.import_models()
    db.init_app(app)
    init_migrations(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    cache.init_app(app)
    idempotency.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    replica.init_app(app)
    i18n.init_app(app)
    database.ping_idle_connections(app)


def register_observability(app: Flask) -> None:
    """Request ids, request logs, SQL counts and ``/metrics`` (first, so they time the rest)."""
    from webapp.core.observability import register_observability as install

    install(app)


def register_security(app: Flask) -> None:
    """Security headers on every response; trusted proxies only when configured."""
    from webapp.core.security import register_security as install

    install(app)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per area."""
    from webapp.accounts.views import bp as accounts_bp
    from webapp.api import v1
    from webapp.api.views import bp as tokens_bp
    from webapp.audit.views import bp as audit_bp
    from webapp.auth.views import bp as auth_bp
    from webapp.billing.views import bp as billing_bp
    from webapp.bulk.views import bp as bulk_bp
    from webapp.contacts.views import bp as contacts_bp
    from webapp.core.views import bp as core_bp
    from webapp.imports.views import bp as imports_bp
    from webapp.members.views import bp as members_bp
    from webapp.members.views import users_bp
    from webapp.myaccounts.views import bp as myaccounts_bp
    from webapp.palette.views import bp as palette_bp
    from webapp.presence.views import bp as presence_bp
    from webapp.reports.views import bp as reports_bp
    from webapp.savedviews.views import bp as savedviews_bp
    from webapp.staff.views import bp as staff_bp
    from webapp.twofactor.views import bp as twofactor_bp
    from webapp.undo.views import bp as undo_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(bulk_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(twofactor_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(contacts_bp)
    app.register_blueprint(billing_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(tokens_bp)
    v1.init_app(app)  # /api/v1: bearer tokens, no CSRF, problem+json
    app.register_blueprint(savedviews_bp)
    app.register_blueprint(palette_bp)
    app.register_blueprint(undo_bp)
    app.register_blueprint(presence_bp)
    app.register_blueprint(myaccounts_bp)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors with the dashboard's error pages."""
    from webapp.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    """Add the operator commands (``flask --app wsgi …``)."""
    from webapp.cli import register

    register(app)
