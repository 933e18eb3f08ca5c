"""CSV and XLSX exports of dashboard tables, safe against spreadsheet formula injection.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return, which some
spreadsheets skip before parsing) is run as a formula when the file is opened in Excel, LibreOffice or
Google Sheets. Text in our tables can come from agency files (names, URLs), so every text cell and header
is neutralised by prefixing a single quote (OWASP "CSV Injection"). Numbers, dates and booleans are
written as typed values and are never touched.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime

import polars as pl
import xlsxwriter  # type: ignore[import-untyped]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """``value`` prefixed with ``'`` if a spreadsheet would read it as a formula, else unchanged."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def neutralise_frame(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every text cell and every header passed through :func:`neutralise_formula`."""
    text_columns = [name for name, dtype in df.schema.items() if dtype == pl.String]
    safe = df.with_columns(
        pl.col(name).map_elements(neutralise_formula, return_dtype=pl.String) for name in text_columns
    )
    return safe.rename({name: neutralise_formula(name) for name in df.columns})


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads Vietnamese text correctly), formula-safe."""
    return neutralise_frame(df).write_csv(include_bom=True).encode("utf-8")


def to_xlsx_bytes(df: pl.DataFrame, sheet: str = "data") -> bytes:
    """One-sheet XLSX, formula-safe: text is always written as a string cell, never parsed as a formula."""
    safe = neutralise_frame(df)
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buffer, options) as workbook:
        sheet_ = workbook.add_worksheet(sheet[:31])
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for col, name in enumerate(safe.columns):
            sheet_.write_string(0, col, name)
        for row_index, row in enumerate(safe.iter_rows(), start=1):
            for col, value in enumerate(row):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    continue
                if isinstance(value, bool):
                    sheet_.write_boolean(row_index, col, value)
                elif isinstance(value, int | float):
                    sheet_.write_number(row_index, col, value)
                elif isinstance(value, datetime):
                    # Excel has no time zones: write the wall-clock time as given (our frames carry UTC).
                    sheet_.write_datetime(row_index, col, value.replace(tzinfo=None), datetime_format)
                elif isinstance(value, date):
                    sheet_.write_datetime(row_index, col, datetime(value.year, value.month, value.day), date_format)
                else:
                    sheet_.write_string(row_index, col, neutralise_formula(str(value)))
    return buffer.getvalue()
