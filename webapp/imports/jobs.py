"""Running an import job in the background (its own thread and app context) and its progress.

Progress goes to the job's row in a short transaction of its own, so any worker or host can
answer the page's poll. SQLite has one writer at a time: while an apply holds the write lock,
progress goes to the shared cache instead (``progress``), and the row catches up at the end.
``IMPORT_INLINE`` runs jobs in the request itself (tests, scripts).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, abort, current_app
from sqlalchemy import delete, update
from sqlalchemy.orm.attributes import flag_modified

from webapp.auth.models import User
from webapp.core.types import utcnow
from webapp.errors import ValidationError
from webapp.extensions import cache, db
from webapp.imports import services
from webapp.imports.models import ImportJob
from webapp.imports.reading import FileProblem, estimate_rows

__all__ = ["claim_apply", "create", "job_or_404", "progress", "purge", "start"]

KEPT_BAD_ROWS = 100_000  # stored on the job; the page lists the first of them
KEEP = timedelta(days=1)  # finished jobs (and their uploads) are purged after this
STALLED = timedelta(minutes=15)  # a running job silent this long lost its worker (a restart)


def create(data: bytes, filename: str, user: Any) -> ImportJob:
    """A new job for an upload, added to the session (the caller commits, then starts it)."""
    job = ImportJob(user_id=user.id, filename=filename[:255], data=data, status="checking")
    job.total = estimate_rows(data)
    db.session.add(job)
    db.session.flush()
    return job


def job_or_404(job_id: int, user: Any) -> ImportJob:
    """The user's own job, or a 404 answer (another's jobs are not theirs to see)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.user_id != user.id:
        abort(404)
    return job


def claim_apply(job: ImportJob) -> bool:
    """Move a checked job to "applying", once: a second Apply (another tab) gets False."""
    stmt = (
        update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status == "checked")
        .values(status="applying", message="")
    )
    claimed = db.session.execute(stmt).rowcount == 1
    db.session.refresh(job)
    return claimed


def start(job_id: int, action: str) -> None:
    """Run the job's dry run ("check") or apply ("apply") in the background."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("IMPORT_INLINE"):
        _run(app, job_id, action)
        return
    thread = threading.Thread(target=_run, args=(app, job_id, action), daemon=True)
    thread.start()


def _run(app: Flask, job_id: int, action: str) -> None:
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        if job is None:
            return
        try:
            (_check if action == "check" else _apply)(job)
        except Exception:  # the job reports it; the thread must not die silently
            db.session.rollback()
            current_app.logger.exception("import job %s failed", job_id)
            _finish(job_id, "failed", "Something went wrong on our side; nothing was imported.")
        finally:
            db.session.remove()


def _reporter(job: ImportJob, phase: str) -> Callable[[int], None]:
    """A progress callback for one phase of this job."""
    job_id = job.id

    def report(done: int) -> None:
        _progress(job_id, phase, done)

    return report


def _check(job: ImportJob) -> None:
    """The dry run: counts, bad rows and the revision of every matched account."""
    try:
        plan = services.check(job.data, job.filename, _reporter(job, "checking"))
    except FileProblem as exc:
        _finish(job.id, "refused", str(exc))
        return
    job.status, job.counts, job.pins = "checked", plan.counts(), plan.pins
    job.bad_rows = [[b.line, b.field, b.message] for b in plan.bad[:KEPT_BAD_ROWS]]
    job.total, job.done = len(plan.creates) + len(plan.updates), 0  # the apply's rows to write
    flag_modified(job, "done")  # progress wrote it behind this session's back
    db.session.commit()


def _apply(job: ImportJob) -> None:
    """Check the file again, refuse if an account moved since the dry run, else import it."""
    by = db.session.get(User, job.user_id)
    try:
        plan = services.check(job.data, job.filename)
        services.apply(plan, by, pins=job.pins, progress=_reporter(job, "applying"))
    except (services.Conflict, ValidationError, FileProblem) as exc:
        db.session.rollback()
        _finish(job.id, "conflict" if isinstance(exc, services.Conflict) else "failed", str(exc))
        return
    job.status, job.counts, job.data = "applied", plan.counts(), b""
    job.done, job.message = job.total, _summary(plan.counts())
    db.session.commit()  # the job's row commits with the import: both or neither


def _summary(counts: dict[str, int]) -> str:
    return (
        f"Imported: {counts['create']:,} created, {counts['update']:,} updated, "
        f"{counts['unchanged']:,} unchanged."
    )


def _finish(job_id: int, status: str, message: str) -> None:
    """Record how the job ended, in a transaction of its own."""
    db.session.execute(
        update(ImportJob).where(ImportJob.id == job_id).values(status=status, message=message)
    )
    db.session.commit()


def purge(now: datetime | None = None) -> int:
    """Delete jobs (and their uploads) older than KEEP that are not running; how many went."""
    cutoff = (now or utcnow()) - KEEP
    stmt = delete(ImportJob).where(
        ImportJob.updated_at < cutoff, ImportJob.status.not_in(ImportJob.RUNNING)
    )
    return db.session.execute(stmt).rowcount or 0


def _key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def _progress(job_id: int, phase: str, done: int) -> None:
    """Publish how far the job is: on its row when the database allows, and in the cache."""
    try:
        cache.set(_key(job_id), {"status": phase, "done": done}, timeout=3600)
    except Exception:  # the cache is a helper: the row still tells the story
        current_app.logger.warning("import progress not cached", exc_info=True)
    if phase == "applying" and db.engine.dialect.name == "sqlite":
        return  # the apply holds SQLite's only write lock
    with db.engine.begin() as conn:
        conn.execute(update(ImportJob).where(ImportJob.id == job_id).values(done=done))


def progress(job: ImportJob) -> dict[str, Any]:
    """Where the job stands, for the page's poll: status, rows done and rows in all."""
    state: dict[str, Any] = {"status": job.status, "done": job.done, "total": job.total}
    if job.running and utcnow() - job.updated_at > STALLED:
        state["status"] = "stalled"
    elif job.running:
        try:
            cached = cache.get(_key(job.id)) or {}
        except Exception:
            cached = {}
        if cached.get("status") == job.status and cached.get("done", 0) > job.done:
            state["done"] = cached["done"]
    state["message"] = job.message
    return state
