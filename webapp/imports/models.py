"""An import job: the uploaded file, its dry run's findings, and where the work stands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.types import UTCDateTime, utcnow
from webapp.extensions import db

__all__ = ["ImportJob"]


class ImportJob(db.Model):
    """One upload, kept in the database so any worker or host can run it and report on it.

    ``status``: checking → checked (or refused: the file cannot be read) → applying →
    applied, conflict (an account changed since the dry run) or failed.
    """

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    status: Mapped[str] = mapped_column(String(16), default="checking")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    bad_rows: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [line, field, message]
    pins: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # number → revision
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    RUNNING = ("checking", "applying")

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.status}>"

    @property
    def running(self) -> bool:
        """True while a dry run or an apply is under way."""
        return self.status in self.RUNNING
