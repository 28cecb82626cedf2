"""Reading import files: every bad file gets a message that says what is wrong."""

from __future__ import annotations

import pytest

from webapp.imports.reading import BadRow, FileProblem, Line, estimate_rows, precheck, read


def lines(data: bytes, filename: str = "a.csv") -> list[Line | BadRow]:
    return list(read(data, filename))


def problem(data: bytes, filename: str = "a.csv", **kwargs) -> str:
    with pytest.raises(FileProblem) as caught:
        precheck(data, filename, **kwargs)
    return str(caught.value)


def test_a_utf8_bom_is_accepted_and_the_guard_undone() -> None:
    (line,) = lines("\ufeffcompany_name,phone_number\nAcme,'+12125550100\n".encode())
    assert line.values == {"company_name": "Acme", "phone_number": "+12125550100"}
    assert line.number == 2 and line.is_csv


def test_only_one_leading_quote_is_removed() -> None:
    (line,) = lines(b"company_name\n''quoted\n")
    assert line.values["company_name"] == "'quoted"


def test_a_quoted_cell_across_lines_keeps_its_first_line_number() -> None:
    first, second = lines(b'company_name,description\nA,"two\nlines"\nB,x\n')
    assert (first.number, second.number) == (2, 4)


def test_not_utf8() -> None:
    assert "not UTF-8" in problem("company_name\nCafé\n".encode("latin-1"))


def test_empty_file() -> None:
    assert "empty" in problem(b"")
    assert "empty" in problem(b" \n\n")


def test_missing_header() -> None:
    assert "header row" in problem(b"Acme Corp,Boston\n")


def test_unknown_column_is_named() -> None:
    message = problem(b"company_name,colour\nAcme,red\n")
    assert "Unknown column: colour" in message


def test_a_repeated_column() -> None:
    assert "more than once" in problem(b"company_name,company_name\nA,B\n")


def test_too_large() -> None:
    assert "most one import takes" in problem(b"company_name\n" + b"A\n" * 100, max_bytes=50)


def test_a_row_with_the_wrong_number_of_cells() -> None:
    (bad,) = lines(b"company_name,city\nA,B,C\n")
    assert bad == BadRow(2, "", "Has 3 cells; the header has 2.")


def test_json_lines_malformed_line_and_unknown_key() -> None:
    data = b'{"company_name": "A"}\n{"company_name": \n["a"]\n{"colour": "red"}\n'
    first, broken, not_object, unknown = lines(data, "a.jsonl")
    assert isinstance(first, Line) and first.values == {"company_name": "A"}
    assert broken.line == 2 and broken.message.startswith("Not valid JSON")
    assert not_object.line == 3 and "JSON object" in not_object.message
    assert unknown == BadRow(4, "colour", "Unknown field.")


def test_json_lines_are_recognised_without_an_extension() -> None:
    (line,) = lines(b'{"company_name": "A"}\n', "upload")
    assert not line.is_csv


def test_estimate_rows() -> None:
    assert estimate_rows(b"a\nb\n") == 2 and estimate_rows(b"a\nb") == 2
