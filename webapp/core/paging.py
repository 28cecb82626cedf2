"""Page numbers shared by the paged tables: how many pages, and whether to link back or on."""

from __future__ import annotations

__all__ = ["PageNumbers", "page_count"]


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
