"""Reading an import file (the export's CSV, or JSON Lines) into numbered rows of raw values.

File-level problems (encoding, size, header, emptiness) raise ``FileProblem`` with a message
for the person who uploaded it; a problem with one line becomes a ``BadRow`` and the rest of
the file is still read, so one dry run lists every bad row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from webapp.accounts.queries import EXPORT_FIELDS
from webapp.core.export import unguard_cell

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "BadRow",
    "FileProblem",
    "Line",
    "estimate_rows",
    "precheck",
    "read",
]

COLUMNS = EXPORT_FIELDS  # a file may hold any subset of the export's columns
MB = 1024 * 1024
MAX_BYTES = 50 * MB


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class BadRow:
    """One problem on one line: which field (empty for the whole line) and what is wrong."""

    line: int
    field: str
    message: str


@dataclass
class Line:
    """One data line: its number in the file, its raw values by column, and its format."""

    number: int
    values: dict[str, Any]
    is_csv: bool


def read(data: bytes, filename: str = "", max_bytes: int = MAX_BYTES) -> Iterator[Line | BadRow]:
    """The file's data lines in order (CSV or JSON Lines), or a line's problem."""
    if len(data) > max_bytes:
        raise FileProblem(
            f"The file is {len(data) / MB:,.1f} MB; the most one import takes is "
            f"{max_bytes / MB:,.0f} MB. Split it into smaller files."
        )
    text = _decode(data)
    if not text.strip():
        raise FileProblem("The file is empty: nothing to import.")
    if _is_json_lines(text, filename):
        return _json_lines(text)
    return _csv_lines(text)


def precheck(data: bytes, filename: str = "", max_bytes: int = MAX_BYTES) -> None:
    """Raise FileProblem now for what is wrong with the file as a whole (size, text, header)."""
    next(iter(read(data, filename, max_bytes)), None)


def estimate_rows(data: bytes) -> int:
    """About how many rows the file holds (its lines), for the progress bar."""
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed and dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"The file is not UTF-8 text (byte {exc.start + 1:,} cannot be read). "
            "Save it as UTF-8 (in Excel: CSV UTF-8) and upload it again."
        ) from None


def _is_json_lines(text: str, filename: str) -> bool:
    name = filename.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return True
    return not name.endswith(".csv") and text.lstrip()[:1] == "{"


def _header(cells: list[str]) -> list[str]:
    """The CSV header row's column names, checked against the export's columns."""
    names = [unguard_cell(cell).strip() for cell in cells]
    unknown = [name for name in names if name not in COLUMNS]
    if len(unknown) == len(names):
        raise FileProblem(
            "The first line must be a header row of column names, as in the export "
            f"(such as account_number, company_name). Found: {', '.join(names)[:200]}."
        )
    if unknown:
        raise FileProblem(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)[:200]}. "
            f"The columns are: {', '.join(COLUMNS)}."
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FileProblem(f"The header names {', '.join(repeated)} more than once.")
    return names


def _csv_lines(text: str) -> Iterator[Line | BadRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = _header(next(reader))
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) != len(header):
                yield BadRow(line, "", f"Has {len(cells)} cells; the header has {len(header)}.")
                continue
            yield Line(line, dict(zip(header, map(unguard_cell, cells), strict=True)), True)
    except csv.Error as exc:
        raise FileProblem(f"Line {reader.line_num}: not valid CSV ({exc}).") from None


def _json_lines(text: str) -> Iterator[Line | BadRow]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            values = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield BadRow(number, "", f"Not valid JSON ({exc.msg}, column {exc.colno}).")
            continue
        if not isinstance(values, dict):
            yield BadRow(number, "", "Each line must be a JSON object of field names to values.")
            continue
        unknown = [key for key in values if key not in COLUMNS]
        for key in unknown:
            yield BadRow(number, str(key)[:64], "Unknown field.")
        if not unknown:
            yield Line(number, values, False)
