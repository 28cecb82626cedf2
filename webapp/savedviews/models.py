"""A saved view of the accounts list: its owner, its name and its normalised query string."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.cache import ModelCache
from webapp.core.types import UTCDateTime, utcnow
from webapp.extensions import db

__all__ = ["SavedView"]


class SavedView(db.Model):
    """A list query under a name, private to its owner or shared with every staff user."""

    __tablename__ = "saved_view"
    __table_args__ = (
        # Names are unique per owner; the index also serves "my views" on the list page.
        UniqueConstraint("owner_id", "name", name="uq_saved_view_owner_id_name"),
        Index("ix_saved_view_shared", "shared"),
    )

    # The list page reads the views from here: any saved view's change outdates every entry.
    cache = ModelCache("saved_view")

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    # Text: the list caps each value, but 200 characters of emoji encode to 2,400.
    query: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<SavedView {self.id} {self.name!r} owner={self.owner_id}>"
