"""Billing jobs a scheduler can call: each runs in its own app context and commits once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Flask

from webapp.billing.services import default_rollup_days, rollup_days
from webapp.extensions import db

__all__ = ["scheduled_rollup"]


def scheduled_rollup(
    app: Flask, days: Iterable[date] | None = None, by: Any = "system"
) -> dict[date, int]:
    """Roll up ``days`` (default yesterday and today, UTC) and commit; safe to run any time.

    For cron, APScheduler, Celery beat or a plain thread: ``scheduled_rollup(app)``.
    A failure rolls back and re-raises, so the job runner sees it and nothing half-done stays.
    """
    with app.app_context():
        try:
            counts = rollup_days(list(days) if days is not None else default_rollup_days(), by=by)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return counts
