"""Saved views: normalise a list query, list the views a user sees, create, rename, delete.

Who may do what (the issue left it open; decided here): any staff user, viewers included, may
save views, private or shared, since a view changes no account. A private view exists only for
its owner (anyone else gets 404, admins too); a shared view is seen by all staff, and only its
owner or an admin may rename or delete it (403 for the rest).
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode

from flask import abort
from sqlalchemy import select, true

from webapp.accounts.queries import ListQuery
from webapp.audit import services as audit
from webapp.auth.models import User
from webapp.extensions import db
from webapp.savedviews.models import SavedView

__all__ = [
    "KEYS",
    "ViewLink",
    "create_view",
    "delete_view",
    "editable_or_403",
    "managed_views",
    "name_taken",
    "normalise",
    "rename_view",
    "view_or_404",
    "visible_views",
]

# The list's search, filters, sort and page size; never its page or cursor.
KEYS = ("q", "is_active", "is_default_account", "country", "currency", "sort", "per_page")


class ViewLink(NamedTuple):
    """What the list page shows of one view: a link, a name, and whose it is."""

    id: int
    name: str
    query: str
    shared: bool
    owner_id: int


def normalise(query_string: str | dict[str, Any]) -> str:
    """The list's known keys of a query string, read as the list reads them, defaults dropped."""
    args = dict(parse_qsl(query_string)) if isinstance(query_string, str) else query_string
    values = ListQuery.from_args(args).args(page=1)
    return urlencode([(key, values[key]) for key in KEYS if key in values])


def visible_views(user: Any) -> list[ViewLink]:
    """The user's own views and everyone's shared ones, by name, from the cache (no SQL: the
    list reads the generations anyway) until any saved view changes."""
    return SavedView.cache.remember_query(f"visible:{user.id}", lambda: _load_visible(user))


def _load_visible(user: Any) -> list[ViewLink]:
    """The views ``visible_views`` answers, in one indexed query."""
    columns = (SavedView.id, SavedView.name, SavedView.query, SavedView.shared, SavedView.owner_id)
    mine_or_shared = (SavedView.owner_id == user.id) | (SavedView.shared == true())
    stmt = select(*columns).where(mine_or_shared).order_by(SavedView.name, SavedView.id)
    return [ViewLink(*row) for row in db.session.execute(stmt)]


class ManagedView(NamedTuple):
    """A row of the manage page: the view, its owner's email, and whether this user may edit it."""

    view: ViewLink
    owner_email: str
    editable: bool


def managed_views(user: Any) -> list[ManagedView]:
    """The views this user sees, each with its owner and whether they may rename or delete it."""
    admin = user.may("admin")
    columns = (SavedView.id, SavedView.name, SavedView.query, SavedView.shared, SavedView.owner_id)
    stmt = (
        select(*columns, User.email)
        .join(User, User.id == SavedView.owner_id)
        .where((SavedView.owner_id == user.id) | (SavedView.shared == true()))
        .order_by(SavedView.name, SavedView.id)
    )
    rows = db.session.execute(stmt)
    return [
        ManagedView(ViewLink(*row[:5]), row[5], row[4] == user.id or (admin and row[3]))
        for row in rows
    ]


def view_or_404(view_id: int, user: Any) -> SavedView:
    """The view if this user may see it; a private view of someone else does not exist (404)."""
    view = db.session.get(SavedView, view_id)
    if view is None or not (view.shared or view.owner_id == user.id):
        abort(404)
    return view


def editable_or_403(view_id: int, user: Any) -> SavedView:
    """The view if this user may rename or delete it: its owner, or an admin for a shared one."""
    view = view_or_404(view_id, user)
    if view.owner_id != user.id and not user.may("admin"):
        abort(403)
    return view


def name_taken(owner_id: int, name: str, except_id: int | None = None) -> bool:
    """Whether this owner already has a view of that name (case-insensitive)."""
    stmt = select(SavedView.id).where(
        SavedView.owner_id == owner_id, db.func.lower(SavedView.name) == name.strip().lower()
    )
    if except_id is not None:
        stmt = stmt.where(SavedView.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def create_view(name: str, query: str, shared: bool, *, by: Any) -> SavedView:
    """Add a view of the normalised query to the session and audit it (no commit)."""
    view = SavedView(owner_id=by.id, name=name.strip(), query=normalise(query), shared=shared)
    db.session.add(view)
    db.session.flush()
    changes = {"name": [None, view.name], "query": [None, view.query], "shared": [None, shared]}
    audit.record("saved_view.create", actor=by, obj=view, changes=changes)
    return view


def rename_view(view: SavedView, name: str, *, by: Any) -> None:
    """Give the view a new name and audit it (no commit)."""
    old, view.name = view.name, name.strip()
    audit.record("saved_view.rename", actor=by, obj=view, changes={"name": [old, view.name]})


def delete_view(view: SavedView, *, by: Any) -> None:
    """Delete the view and audit it (no commit)."""
    changes = {"name": [view.name, None], "query": [view.query, None]}
    audit.record("saved_view.delete", actor=by, obj=view, changes=changes)
    db.session.delete(view)
