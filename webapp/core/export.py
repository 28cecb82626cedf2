"""CSV exports: formula-safe cells, written in batches so a large export streams in flat memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

__all__ = ["csv_lines", "safe_cell", "unguard_cell"]

# A cell starting with one of these gets a leading "'". A cell that already starts with "'"
# gets one too, so the guard is reversible: ``unguard_cell`` strips exactly one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def safe_cell(value: Any) -> str:
    """A CSV cell that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def unguard_cell(text: str) -> str:
    """The value ``safe_cell`` was given, read back from its cell (one leading "'" removed)."""
    return text[1:] if text[:1] == "'" else text


def csv_lines(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], batch: int = 1000
) -> Iterator[str]:
    """The header line, then the rows as CSV text, one string per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    yield buffer.getvalue()
    rows = iter(rows)
    while chunk := list(islice(rows, batch)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([safe_cell(cell) for cell in row] for row in chunk)
        yield buffer.getvalue()
