"""Page numbers shared by the paged tables: how many pages, and whether to link back or on."""

from __future__ import annotations

__all__ = ["MAX_PAGE", "PageNumbers", "page_count", "positive_int"]

MAX_PAGE = 1_000_000  # beyond it OFFSET overflows the databases' integers; nobody pages there


def positive_int(value: object, default: int | None = 1, cap: int = MAX_PAGE) -> int | None:
    """A whole number 1..cap typed in a URL, or ``default`` for anything else ("²" included)."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) < 1:
        return default
    return min(int(text), cap)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill at ``per_page`` a page (at least one)."""
    return max(1, -(-total // per_page))


class PageNumbers:
    """Pages, Previous and Next for a page that has ``total``, ``page`` and ``per_page``."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the matching rows fill (at least one)."""
        return page_count(self.total, self.per_page)

    @property
    def has_previous(self) -> bool:
        """True when a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True when a page comes after this one."""
        return self.page < self.pages
