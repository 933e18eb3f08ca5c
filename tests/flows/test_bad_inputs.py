"""The bad-input catalogue: every item loads cleanly, is quarantined with a reason, or is rejected with one.

Extends ``test_ingest.py`` (which covers the basic bad files, reasons, re-delivery and corrections) with the
rest of the catalogue. Every loaded batch is also checked for ``rows_in = rows_loaded + rows_quarantined``.
"""

from __future__ import annotations

import csv
import io
import json
import time
import unicodedata
import uuid
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_ingest import AGENCIES_YAML, GOOD_ROW, HEADER_EN, as_windows_1258, load, write

from flows.ingest import BatchResult

COLUMNS = HEADER_EN.split(",")


def row(**values: str) -> str:
    """GOOD_ROW with some cells replaced (CSV-quoted)."""
    cells = dict(zip(COLUMNS, GOOD_ROW.split(","), strict=True)) | values
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells[c] for c in COLUMNS)
    return buffer.getvalue()


def balanced(con: duckdb.DuckDBPyConnection, result: BatchResult) -> None:
    """rows_in = loaded + quarantined, and raw / quarantine hold exactly that batch's rows."""
    assert result.rows_in == result.rows_loaded + result.rows_quarantined
    stored = con.execute(
        f"SELECT (SELECT count(*) FROM raw.{result.source} WHERE batch_id = $b), "
        "(SELECT count(*) FROM quarantine.rows WHERE batch_id = $b)",
        {"b": result.batch_id},
    ).fetchall()[0]
    assert stored == (result.rows_in, result.rows_quarantined)


@pytest.fixture
def agencies(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    assert load(con, write(tmp_path, "agencies.yaml", AGENCIES_YAML), "agencies").rows_loaded == 2
    return con


def quarantined(con: duckdb.DuckDBPyConnection) -> dict[int, list[str]]:
    return dict(con.execute("SELECT row_number, reason_codes FROM quarantine.rows WHERE source = 'cases'").fetchall())


# --- Files cut off -------------------------------------------------------------------------------------------

FULL = f"{HEADER_EN}\n{GOOD_ROW}\n{row(case_id='C2', notes='ghi chú')}\n".encode()


@pytest.mark.parametrize(
    ("content", "quarantined_reasons"),
    [
        # Cut inside the last character 'ú' (2 bytes in UTF-8): the file stays UTF-8 (was read as Windows-1258,
        # garbling every row) and the cut row is quarantined.
        (FULL[: FULL.rindex("ú".encode()) + 1], {2: ["malformed_row"]}),
        # Cut inside the 'ọ' of the first row's notes, the second row never arrived.
        (FULL[: FULL.index("ọ".encode()) + 2], {1: ["malformed_row"]}),
        # Cut inside a quoted field: the quote never closes.
        (FULL + b'C3,STTTT,"2025-04-03', {3: ["malformed_row", "missing:url"]}),
        # Cut after a few fields, no quote: the row is short, its required cells missing.
        (FULL + b"C3,STTTT,2025-04-03T10:00:00+07:00", {3: ["missing:url"]}),
    ],
)
def test_a_file_cut_off_mid_row(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, content: bytes, quarantined_reasons: dict[int, list[str]]
) -> None:
    result = load(agencies, write(tmp_path, "cut.csv", content))
    assert result.status == "loaded"
    balanced(agencies, result)
    got = quarantined(agencies)
    assert got.keys() == quarantined_reasons.keys()
    for number, expected in quarantined_reasons.items():
        assert set(expected) <= set(got[number])
    # The rows before the cut are intact (not read as Windows-1258).
    if 1 not in quarantined_reasons:
        assert ("gọi [phone]",) in agencies.execute("SELECT notes FROM staging.cases").fetchall()


# --- Encodings and normal forms ------------------------------------------------------------------------------

NFD_ROW = row(case_id="Vụ-1", severity="trung bình", notes="Lừa đảo qua điện thoại")


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: unicodedata.normalize("NFD", t).encode("utf-16"), id="utf-16-nfd"),
        pytest.param(lambda t: unicodedata.normalize("NFD", t).encode("utf-16-be"), id="utf-16-be-no-bom"),
        # Windows-1258 holds Vietnamese decomposed: base + vowel mark precomposed, tone mark combining.
        pytest.param(lambda t: as_windows_1258(t).encode("cp1258"), id="windows-1258"),
        pytest.param(lambda t: unicodedata.normalize("NFD", t).encode("utf-8-sig"), id="utf-8-bom-nfd"),
    ],
)
def test_encodings_with_decomposed_values_are_stored_nfc(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, encode
) -> None:
    try:
        content = encode(f"{HEADER_EN}\n{NFD_ROW}\n")
    except UnicodeEncodeError:
        pytest.skip("not representable")
    result = load(agencies, write(tmp_path, "c.csv", content))
    if content.startswith(b"\0"):  # UTF-16 without a BOM has NUL bytes: rejected as binary, never misread
        assert (result.status, result.reason.split(":")[0]) == ("rejected", "binary_file")
        return
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    got = agencies.execute("SELECT case_id, severity, notes FROM staging.cases").fetchone()
    assert got == ("Vụ-1", 2, "Lừa đảo qua điện thoại")
    assert all(unicodedata.is_normalized("NFC", v) for v in (got[0], got[2]))


def test_a_bom_before_the_header_and_inside_values(agencies: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # A BOM at the start (utf-8-sig) and a stray one pasted into a cell: both are stripped.
    content = "\ufeff" + HEADER_EN + "\n" + row(case_id="\ufeffC1", agency_code="STTTT\ufeff") + "\n"
    result = load(agencies, write(tmp_path, "c.csv", content.encode("utf-8")))
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert agencies.execute("SELECT case_id, agency_code FROM staging.cases").fetchone() == ("C1", "STTTT")


# --- Dates and times -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detected_at", "utc", "reason"),
    [
        ("03/04/2025", "2025-04-02 17:00", None),  # ambiguous: day first, 3 April, local midnight
        ("03/04/2025 10:00", "2025-04-03 03:00", None),
        ("3/4/2025 7:05:09", "2025-04-03 00:05:09", None),  # no leading zeros
        ("13/04/2025", "2025-04-12 17:00", None),  # only day-first reading possible
        ("04/13/2025", None, "bad_timestamp:detected_at"),  # month first: never guessed
        ("2025-04-03 10:00", "2025-04-03 03:00", None),  # ISO without zone: local UTC+07:00
        ("2025-04-03T10:00:00", "2025-04-03 03:00", None),
        ("2025-04-03T10:00:00Z", "2025-04-03 10:00", None),
        ("2025-04-03T10:00:00-05:00", "2025-04-03 15:00", None),
        ("45750", "2025-04-02 17:00", None),  # an Excel serial number as text (2025-04-03 local)
        ("45750.5", "2025-04-03 05:00", None),
        ("2027-01-01", None, "future:detected_at"),  # after the run's as-of (2026-01-01)
        ("2025-12-31T23:59:59Z", "2025-12-31 23:59:59", None),  # just before as-of
        ("yesterday", None, "bad_timestamp:detected_at"),
        ("29/02/2025", None, "bad_timestamp:detected_at"),  # not a leap year
    ],
)
def test_timestamps(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, detected_at: str, utc: str | None, reason: str | None
) -> None:
    result = load(
        agencies,
        write(tmp_path, "c.csv", f"{HEADER_EN}\n{row(detected_at=detected_at, triaged_at='', closed_at='')}\n"),
    )
    balanced(agencies, result)
    if reason:
        assert reason in quarantined(agencies)[1]
        return
    got = agencies.execute("SELECT strftime(detected_at, '%Y-%m-%d %H:%M:%S') FROM staging.cases").fetchone()
    assert got is not None and got[0].startswith(utc)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"triaged_at": "03/04/2025 09:59"}, "time_order:triaged_at_before_detected_at"),  # 1 min before detection
        ({"closed_at": "02/04/2025"}, "time_order:closed_at_before_detected_at"),
        ({"triaged_at": "2030-01-01T00:00:00Z"}, "future:triaged_at"),
        ({"closed_at": "01/01/2026 07:00:01"}, "future:closed_at"),  # one second after as-of, in local time
    ],
)
def test_time_order_and_future(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, values: dict[str, str], reason: str
) -> None:
    result = load(agencies, write(tmp_path, "c.csv", f"{HEADER_EN}\n{row(**values)}\n"))
    balanced(agencies, result)
    assert reason in quarantined(agencies)[1]


def test_xlsx_with_excel_date_cells_and_a_serial_number_text_cell(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    import xlsxwriter

    path = tmp_path / "cases.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write_row(0, 0, COLUMNS)
    base = ["STTTT", None, "http://a.vn/x", "zalo", "phishing", "2", "5", "open", None, None, "", ""]
    for r, case_id in enumerate(("X1", "X2"), start=1):
        sheet.write_row(r, 0, [case_id, *base])
    sheet.write_datetime(1, 2, datetime(2025, 4, 3, 10, 0), date_format)  # a real date cell, local time
    sheet.write_datetime(1, 9, datetime(2025, 4, 3, 11, 30), date_format)
    sheet.write_string(2, 2, "45750.5")  # a serial number typed as text
    sheet.write_formula(2, 10, "=1+1")  # a formula cell is read as its text/value, never evaluated here
    book.close()
    result = load(agencies, path)
    balanced(agencies, result)
    got = agencies.execute(
        "SELECT case_id, strftime(detected_at, '%Y-%m-%d %H:%M'), strftime(triaged_at, '%H:%M') "
        "FROM staging.cases ORDER BY case_id"
    ).fetchall()
    assert got[0] == ("X1", "2025-04-03 03:00", "04:30")
    assert got[1][:2] == ("X2", "2025-04-03 05:00") if len(got) == 2 else "closed_at" in str(quarantined(agencies))


# --- Columns -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "line", "status", "detail"),
    [
        # Renamed with case, spaces and underscores mixed: still the same columns.
        (HEADER_EN.upper().replace("_", " "), GOOD_ROW, "loaded", None),
        (HEADER_EN.replace("case_id", " Case_ID "), GOOD_ROW, "loaded", None),
        # One required column missing: rejected, naming it.
        (HEADER_EN.replace("platform", "channel"), GOOD_ROW, "rejected", "missing_columns: platform"),
        # Two headers mapping to the same column (English and Vietnamese): ambiguous, rejected.
        (
            HEADER_EN.replace("notes", "case_id").replace("account_handle", "Mã vụ việc"),
            GOOD_ROW,
            "rejected",
            "duplicate",
        ),
        # Extra columns (and a blank header) are ignored and recorded.
        (HEADER_EN + ",colour,", GOOD_ROW + ",red,", "loaded", None),
        # Columns in another order.
        (",".join(reversed(COLUMNS)), ",".join(reversed(GOOD_ROW.split(","))), "loaded", None),
    ],
)
def test_renamed_missing_and_extra_columns(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, header: str, line: str, status: str, detail: str | None
) -> None:
    result = load(agencies, write(tmp_path, "c.csv", f"{header}\n{line}\n"))
    assert result.status == status
    if status == "rejected":
        assert result.reason is not None and result.reason.startswith(detail or "")
        assert agencies.execute("SELECT count(*) FROM raw.cases").fetchone() == (0,)
        return
    balanced(agencies, result)
    assert agencies.execute("SELECT case_id, url_key FROM staging.cases").fetchall() == [("C1", "facebook.com/p/1")]


# --- Codes, re-delivery, corrections -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"agency_code": "SO-TTTT"}, "unknown_agency:agency_code"),
        ({"agency_code": " sttttx "}, "unknown_agency:agency_code"),
        ({"platform": "myspace"}, "unknown_platform"),
        ({"platform": "face book"}, "unknown_platform"),  # no fuzzy matching
        ({"category": "spam"}, "unknown_category"),
    ],
)
def test_unknown_codes(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, values: dict[str, str], reason: str
) -> None:
    result = load(agencies, write(tmp_path, "c.csv", f"{HEADER_EN}\n{row(**values)}\n"))
    balanced(agencies, result)
    assert reason in quarantined(agencies)[1]


def test_an_exact_redelivery_under_another_name_is_skipped(agencies: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    content = f"{HEADER_EN}\n{GOOD_ROW}\n"
    first = load(agencies, write(tmp_path, "a/c.csv", content))
    again = load(agencies, write(tmp_path, "b/c-copy.csv", content))
    assert (first.status, again.status, again.rows_in) == ("loaded", "skipped", 0)
    assert agencies.execute("SELECT count(*) FROM raw.cases").fetchone() == (1,)
    # A re-delivery of a *rejected* file is tried again (it may have been fixed in between), not skipped.
    bad = write(tmp_path, "bad.csv", b"")
    assert [load(agencies, bad).status for _ in range(2)] == ["rejected", "rejected"]


def test_a_correction_that_turns_a_case_bad_keeps_the_earlier_good_version(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    load(agencies, write(tmp_path, "m1.csv", f"{HEADER_EN}\n{GOOD_ROW}\n"))
    result = load(agencies, write(tmp_path, "m2.csv", f"{HEADER_EN}\n{row(severity='extreme')}\n"))
    balanced(agencies, result)
    assert agencies.execute("SELECT severity FROM staging.cases").fetchall() == [(3,)]
    assert agencies.execute("SELECT count(*) FROM raw.cases").fetchone() == (2,)


# --- URLs and cell contents ----------------------------------------------------------------------------------

LONG_PATH = "x" * 2100


@pytest.mark.parametrize(
    ("url", "url_key", "reason"),
    [
        ("https://a.vn/p?b=2&amp;a=1", "a.vn/p?a=1&b=2", None),  # &amp; mangled by an HTML export
        ("https://a.vn/p?a=1&amp;amp;b=2", "a.vn/p?a=1&amp;b=2", None),  # unescaped once only
        ("http://user:s3cret@a.vn/x", "a.vn/x", None),
        ("https://user:p@ss@a.vn/x", "a.vn/x", None),  # '@' inside the password
        ("user:s3cret@a.vn/x", "a.vn/x", None),  # credentials without a scheme
        ("ftp://user:s3cret@a.vn:21/x", "a.vn:21/x", None),
        ("  http://a.vn/a b  ", "a.vn/a%20b", None),  # spaces around and inside
        ("\u00a0http://a.vn/x\u00a0", "a.vn/x", None),  # NBSP
        ("\thttp://a.vn/x\t", "a.vn/x", None),  # tabs
        ("http://a.vn/\u200bx", "a.vn/x", None),  # zero-width space
        ("https://Bücher.example/ä", "xn--bcher-kva.example/ä", None),  # IDN host to punycode
        ("https://xn--bcher-kva.example/x", "xn--bcher-kva.example/x", None),
        ("http://a.vn/" + LONG_PATH, "a.vn/" + LONG_PATH, None),  # over 2,000 characters: kept whole
        ('=HYPERLINK("http://a.vn")', None, "bad_url"),  # a formula is not a URL
        ("http://", None, "bad_url"),
        ("http://exa mple.com", None, "bad_url"),  # a space in the host
    ],
)
def test_urls(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, url: str, url_key: str | None, reason: str | None
) -> None:
    result = load(agencies, write(tmp_path, "c.csv", f"{HEADER_EN}\n{row(url=url)}\n"))
    balanced(agencies, result)
    if reason:
        assert reason in quarantined(agencies)[1]
    else:
        assert agencies.execute("SELECT url_key FROM staging.cases").fetchone() == (url_key,)


@pytest.mark.parametrize(
    "url",
    [
        "http://user:s3cret@a.vn/x",
        "https://user:p@ss@a.vn/x",
        "user:s3cret@a.vn/x",
        "\u00a0HTTP://User:s3cret@a.vn/x",
        "http://user:s3cret@exa mple.com/",  # quarantined (bad host): the quarantine copy is masked too
    ],
)
def test_url_credentials_are_never_stored_in_clear(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, url: str
) -> None:
    result = load(agencies, write(tmp_path, "c.csv", f"{HEADER_EN}\n{row(url=url)}\n"))
    balanced(agencies, result)
    stored = agencies.execute(
        """SELECT url FROM raw.cases UNION ALL SELECT url FROM staging.cases
           UNION ALL SELECT raw::VARCHAR FROM quarantine.rows"""
    ).fetchall()
    assert stored
    for (text,) in stored:
        assert "s3cret" not in text and "p@ss" not in text and "***@" in text


@pytest.mark.parametrize(
    "value",
    ["=SUM(A1:A9)", "=cmd|' /C calc'!A0", "+84 thuê bao", "-1", "@SUM(1)", '="quoted"'],
)
def test_cells_that_look_like_formulas_are_stored_as_text_untouched(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, value: str
) -> None:
    result = load(agencies, write(tmp_path, "c.csv", f"{HEADER_EN}\n{row(case_id=value, notes=value)}\n"))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    assert agencies.execute("SELECT case_id FROM staging.cases").fetchone() == (value,)


def test_a_10_mb_notes_field(agencies: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    notes = ("Lừa đảo " * 1_400_000)[:10_000_000]
    started = time.perf_counter()
    result = load(agencies, write(tmp_path, "c.csv", f"{HEADER_EN}\n{row(notes=notes)}\n{row(case_id='C2')}\n"))
    assert time.perf_counter() - started < 30
    balanced(agencies, result)
    # It loads whole (nothing silently truncated) or is quarantined with a reason.
    if result.rows_quarantined:
        assert quarantined(agencies)[1]
    else:
        got = agencies.execute("SELECT length(notes) FROM staging.cases WHERE case_id = 'C1'").fetchone()
        assert got == (len(notes.strip()),)


# --- Whole files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("zip.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4, "binary_file"),  # an XLSX named .csv
        ("random.csv", bytes(range(256)) * 16, "binary_file"),
        ("bom_only.csv", b"\xef\xbb\xbf", "empty_file"),  # just a BOM
        ("bom_header.csv", b"\xef\xbb\xbf" + HEADER_EN.encode() + b"\r\n", "no_rows"),  # header only, BOM, CRLF
        ("vi_header.csv", "Mã vụ việc,Đơn vị,Thời điểm phát hiện\n".encode(), "missing_columns"),
        ("no_newline.csv", HEADER_EN.encode(), "no_rows"),  # header only, no line end
        ("utf16_empty.csv", "\ufeff".encode("utf-16"), "empty_file"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "unreadable_xlsx"),
        ("empty.xlsx", b"", "unreadable_xlsx"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    result = load(agencies, write(tmp_path, name, content))
    assert result.status == "rejected"
    assert result.reason is not None and result.reason.startswith(reason), result.reason
    assert agencies.execute(
        "SELECT status, rows_in FROM audit.batches WHERE batch_id = ?", [result.batch_id]
    ).fetchall() == [("rejected", 0)]
    assert agencies.execute("SELECT count(*) FROM raw.cases").fetchone() == (0,)


# --- Property: any malformed input keeps the books balanced ---------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1258"]
cell = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["STTTT", "03/04/2025", "http://a.vn", "zalo", "phishing", "2", "open", '"', '""', "\u00a0", ","]),
)


@st.composite
def malformed_csv(draw: st.DrawFn) -> bytes:
    """A cases CSV with ragged rows, stray quotes, odd encodings, truncation or random bytes spliced in."""
    rows = draw(st.lists(st.lists(cell, max_size=16), min_size=1, max_size=12))
    buffer = io.StringIO()
    buffer.write(",".join(COLUMNS) + "\n")
    for cells in rows:
        text = ",".join(cells) if draw(st.booleans()) else _csv_line(cells)  # raw joins make stray quotes
        buffer.write(text + draw(st.sampled_from(["\n", "\r\n", "\r"])))
    data = buffer.getvalue().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):  # cut off anywhere
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.booleans()):  # random bytes spliced in
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=20)) + data[at:]
    return data


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


json_line = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=30).map(lambda b: b.decode("utf-8", errors="replace")),
    st.dictionaries(
        st.sampled_from(["referral_id", "case_agency", "case_id", "from_agency", "to_agency", "sent_at", "outcome"]),
        st.one_of(st.none(), st.integers(), cell, st.lists(st.integers(), max_size=2)),
    ).map(json.dumps),
    st.just('{"referral_id": "R1", "sent_at": "2025-04-03'),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        malformed_csv().map(lambda d: ("cases", d)),
        st.lists(json_line, max_size=12).map(
            lambda lines: ("referrals", "\n".join(lines).encode("utf-8", errors="replace"))
        ),
    )
)
def test_any_malformed_input_keeps_the_books_balanced(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, data: tuple[str, bytes]
) -> None:
    source, content = data
    suffix = ".csv" if source == "cases" else ".jsonl"
    result = load(agencies, write(tmp_path, f"{uuid.uuid4().hex}{suffix}", content), source)
    recorded = agencies.execute(
        "SELECT status, reason FROM audit.batches WHERE batch_id = ?", [result.batch_id]
    ).fetchall()
    assert recorded == [(result.status, result.reason)]
    if result.status == "rejected":
        assert result.reason
        assert agencies.execute(
            f"SELECT count(*) FROM raw.{source} WHERE batch_id = ?", [result.batch_id]
        ).fetchone() == (0,)
        return
    assert result.status in ("loaded", "skipped")
    if result.status == "loaded":
        balanced(agencies, result)


def check_books(con: duckdb.DuckDBPyConnection, result: BatchResult, source: str) -> None:
    """The batch is recorded as returned; a rejected one has a reason and no raw rows; a loaded one balances."""
    recorded = con.execute("SELECT status, reason FROM audit.batches WHERE batch_id = ?", [result.batch_id]).fetchall()
    assert recorded == [(result.status, result.reason)]
    if result.status == "rejected":
        assert result.reason
        assert con.execute(f"SELECT count(*) FROM raw.{source} WHERE batch_id = ?", [result.batch_id]).fetchall() == [
            (0,)
        ]
    else:
        assert result.status in ("loaded", "skipped")
        if result.status == "loaded":
            balanced(con, result)


# An XLSX cell: text (including formula-looking text), numbers, dates, booleans, blanks, formulas, errors.
xlsx_cell = st.one_of(
    cell.map(lambda v: ("string", v)),
    st.integers(-(10**12), 10**12).map(lambda v: ("number", v)),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda v: ("number", v)),  # NaN/inf become #NUM! errors
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)).map(lambda v: ("datetime", v)),
    st.booleans().map(lambda v: ("boolean", v)),
    st.just(("blank", None)),
    st.sampled_from(["=1/0", "=A1", "=NA()", '="x"&"y"']).map(lambda v: ("formula", v)),
)


# How a generated file is broken beyond its rows: mostly not at all, so that most examples load and the row-level
# invariant is exercised; otherwise one structural fault.
FILE_FAULTS = ["none"] * 6 + ["drop_columns", "extra_columns", "blank_first_sheet", "cut_off"]


@st.composite
def malformed_xlsx(draw: st.DrawFn) -> bytes:
    """A cases workbook of ragged typed rows under shuffled headers; sometimes with columns dropped, extra or
    doubled, a blank first sheet, or cut off in transfer (a broken zip)."""
    import xlsxwriter

    fault = draw(st.sampled_from(FILE_FAULTS))
    header = list(draw(st.permutations(COLUMNS)))
    if fault == "drop_columns":
        header = header[: draw(st.integers(len(header) - 3, len(header) - 1))]
    if fault == "extra_columns":
        header += draw(st.lists(st.sampled_from(["colour", "", "case_id", "Mã vụ việc", " NOTES "]), max_size=2))
    rows = draw(st.lists(st.lists(xlsx_cell, max_size=len(header) + 2), max_size=10))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True, "strings_to_formulas": False})
    if fault == "blank_first_sheet":  # the reader reads the first sheet only: rejected for its missing columns
        book.add_worksheet("blank")
    sheet = book.add_worksheet("cases")
    sheet.write_row(0, 0, header)
    date_format = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    for r, cells in enumerate(rows, start=1):
        for c, (kind, value) in enumerate(cells):
            if kind == "datetime":
                sheet.write_datetime(r, c, value, date_format)
            elif kind == "blank":
                sheet.write_blank(r, c, None, date_format)
            else:
                getattr(sheet, f"write_{kind}")(r, c, value)
    book.close()
    data = buffer.getvalue()
    if fault == "cut_off":
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=malformed_xlsx())
def test_any_malformed_xlsx_keeps_the_books_balanced(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, content: bytes
) -> None:
    result = load(agencies, write(tmp_path, f"{uuid.uuid4().hex}.xlsx", content))
    event(f"{result.status}: {(result.reason or '').split(':')[0]}")  # the mix: --hypothesis-show-statistics
    check_books(agencies, result, "cases")


xml_text = st.one_of(
    # Characters XML 1.0 allows (control characters make the whole file unreadable: the "spliced" fault does that).
    st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=20),
    st.sampled_from(
        [
            "Thu, 03 Apr 2025 15:00:00 +0700",
            "2025-04-03T08:00:00Z",
            "03/04/2025 10:00",
            "yesterday",
            "http://a.vn/x?utm_source=y",
            "https://user:pw@xn--bcher-kva.example/p",
            "health_misinfo",
            "&amp;",
            "<b>",
            "",
        ]
    ),
)


@st.composite
def feed_item(draw: st.DrawFn, atom: bool) -> str:
    """One RSS <item> or Atom <entry> with any of its elements missing, repeated, empty or odd."""
    from xml.sax.saxutils import escape

    def element(name: str) -> str:
        return f"<{name}>{escape(draw(xml_text))}</{name}>" if draw(st.booleans()) else ""

    if atom:
        parts = [element("id"), element("title"), element("published"), element("updated")]
        if draw(st.booleans()):
            parts.append(f'<link href="{escape(draw(xml_text), {chr(34): "&quot;"})}"/>')
    else:
        parts = [element("guid"), element("link"), element("title"), element("pubDate"), element("category")]
    parts += [f"<cc:respondsTo>{escape(draw(xml_text))}</cc:respondsTo>" for _ in range(draw(st.integers(0, 3)))]
    parts = draw(st.permutations(parts))
    tag = "entry" if atom else "item"
    return f"<{tag}>{''.join(parts)}</{tag}>"


@st.composite
def malformed_feed(draw: st.DrawFn) -> tuple[str, bytes]:
    """An RSS 2.0 or Atom document of generated items, in UTF-8 or UTF-16 as declared; sometimes cut off, spliced
    with random bytes, or encoded otherwise than declared."""
    atom = draw(st.booleans())
    fault = draw(st.sampled_from(["none"] * 5 + ["cut_off", "spliced", "wrong_encoding"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-16"]))
    items = "".join(draw(st.lists(feed_item(atom), max_size=8)))
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    if atom:
        document = (
            f'{declaration}<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:cc="urn:concord:rss:1"><title>T</title><id>urn:t</id>{items}</feed>'
        )
    else:
        document = (
            f'{declaration}<rss version="2.0" xmlns:cc="urn:concord:rss:1"><channel>'
            f"<title>T</title><link>http://press.vn</link><description>d</description>{items}</channel></rss>"
        )
    if fault == "wrong_encoding":
        encoding = "cp1258" if encoding == "utf-8" else "utf-8"
    data = document.encode(encoding, errors="replace")
    if fault == "cut_off":
        data = data[: draw(st.integers(0, len(data) - 1))]
    if fault == "spliced":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=12)) + data[at:]
    return (".atom" if atom else ".xml"), data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(feed=malformed_feed())
def test_any_malformed_rss_or_atom_keeps_the_books_balanced(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, feed: tuple[str, bytes]
) -> None:
    suffix, content = feed
    result = load(con, write(tmp_path, f"{uuid.uuid4().hex}{suffix}", content), "public_responses")
    event(f"{result.status}: {(result.reason or '').split(':')[0]}")  # the mix: --hypothesis-show-statistics
    check_books(con, result, "public_responses")
    # Targets only ever belong to loaded responses.
    orphans = con.execute(
        "SELECT count(*) FROM staging.public_response_targets t "
        "WHERE NOT EXISTS (SELECT 1 FROM staging.public_responses r WHERE r.response_id = t.response_id)"
    ).fetchall()
    assert orphans == [(0,)]


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        # Found by the property test above: each crashed the reader before it caught these errors.
        (
            b'<?xml version="1.0" encoding="U-TF-8"?><rss version="2.0"><channel><item><guid>G</guid></item>'
            b"</channel></rss>",
            "LookupError: unknown encoding: U-TF-8",
        ),
        (
            b'<?xml version="1.0" encoding="utf-8\x00"?><rss version="2.0"><channel><item><guid>G</guid></item>'
            b"</channel></rss>",
            "ValueError: embedded null character",
        ),
    ],
)
def test_feeds_that_broke_the_xml_parsers_are_rejected(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, content: bytes, detail: str
) -> None:
    result = load(con, write(tmp_path, "pr.xml", content), "public_responses")

    assert (result.status, result.reason) == ("rejected", f"unreadable_feed: {detail}")
    check_books(con, result, "public_responses")
