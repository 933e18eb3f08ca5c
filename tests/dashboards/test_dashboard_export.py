"""Exports are safe against spreadsheet formula injection (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl  # type: ignore[import-untyped]
import polars as pl
import pytest

from dashboards.export import neutralise_formula, neutralise_frame, to_csv_bytes, to_xlsx_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        # looks harmless, but Excel evaluates a leading +
        ("+84 912 345 678", "'+84 912 345 678"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        # some spreadsheets skip a leading tab / CR before parsing
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Công an Thành phố", "Công an Thành phố"),
        ("a=b", "a=b"),  # only the first character matters
        ("", ""),
        ("'=already", "'=already"),
    ],
)
def test_neutralise_formula(value: str, expected: str) -> None:
    assert neutralise_formula(value) == expected


def test_neutralise_frame_touches_text_and_headers_only() -> None:
    df = pl.DataFrame({"=name": ["=cmd|' /C calc'!A0", "ok"], "n": [-5, 3]})

    result = neutralise_frame(df)

    expected = pl.DataFrame({"'=name": ["'=cmd|' /C calc'!A0", "ok"], "n": [-5, 3]})
    assert result.equals(expected)


def test_csv_export_is_neutralised_and_opens_in_excel() -> None:
    df = pl.DataFrame({"agency": ["@evil", "Sở Thông tin"], "cases": [-1, 1234]})

    data = to_csv_bytes(df)

    # BOM: Excel reads UTF-8 Vietnamese correctly
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["agency", "cases"], ["'@evil", "-1"], ["Sở Thông tin", "1234"]]


def test_xlsx_export_has_no_formula_cells() -> None:
    df = pl.DataFrame(
        {"label": ["=1+1", "+SUM(A1)", "plain"], "value": [1.5, -2.0, None], "day": [date(2025, 1, 6)] * 3}
    )

    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df, sheet="trend"))).active

    assert sheet.title == "trend"
    assert [c.value for c in sheet[1]] == ["label", "value", "day"]
    labels = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in labels] == ["'=1+1", "'+SUM(A1)", "plain"]
    assert all(c.data_type == "s" for c in labels)
    # numbers stay numbers
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [1.5, -2.0, None]
    assert sheet["C2"].value.date() == date(2025, 1, 6)
