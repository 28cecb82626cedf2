"""The benchmark's markdown table: ours against the Flask-Admin peer, scenario by scenario."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DASH = "—"


def cell(value: float | None, digits: int = 1) -> str:
    """A figure, or a dash where there is none."""
    return DASH if value is None else f"{value:,.{digits}f}"


def scenario_rows(rows: list[tuple[str, dict | None, dict | None]]) -> list[str]:
    """One table line per scenario: rates, p50s, the ratio ours/theirs and our SQL count."""
    lines = [
        "| scenario | ours req/s | ours p50 ms | theirs req/s | theirs p50 ms | ours/theirs "
        "| ours SQL/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, mine, peer in rows:
        mine, peer = mine or {}, peer or {}
        ratio = mine["rate"] / peer["rate"] if mine and peer and peer["rate"] else None
        lines.append(
            f"| {label} | {cell(mine.get('rate'))} | {cell(mine.get('p50'))} "
            f"| {cell(peer.get('rate'))} | {cell(peer.get('p50'))} | {cell(ratio, 2)} "
            f"| {cell(mine.get('sql'))} |"
        )
    return lines


def memory_rows(memory: dict[str, float], export: dict | None) -> list[str]:
    """Peak worker memory of each app, and ours after streaming the whole export."""
    lines = ["| worker peak memory (VmHWM) | ours MB | theirs MB |", "| --- | ---: | ---: |"]
    lines.append(
        f"| after the scenarios | {cell(memory.get('ours'), 0)} | {cell(memory.get('theirs'), 0)} |"
    )
    if export:
        lines.append(
            f"| after a full CSV export ({export['rows']:,} rows, {export['mb']:.0f} MB "
            f"in {export['seconds']:.1f} s) | {export['peak']:.0f} | {DASH} |"
        )
    return lines


def render(heading: str, notes: list[str], rows, memory, export) -> str:
    """The whole markdown note: heading, notes, scenario table, memory table."""
    parts = [f"### {heading}", "", *(f"- {note}" for note in notes), ""]
    parts += scenario_rows(rows) + [""] + memory_rows(memory, export)
    return "\n".join(parts) + "\n"


def save(text: str, database: str, accounts: int) -> Path:
    """Write the note to ``bench/results/<database>-<accounts>.md`` (git ignores it)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{database}-{accounts}.md"
    path.write_text(text)
    return path
