"""Batch loading: every row lands in exactly one place, bad files are rejected whole, re-deliveries skipped."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.ingest import BatchResult, ingest_file
from flows.sources import SOURCES

AGENCIES_YAML = """
- {agency_code: STTTT, name: "Sở Thông tin và Truyền thông", name_en: Department of Information, tier: city, role: coordination}
- {agency_code: CA-ANM, name: "Phòng An ninh mạng", name_en: Cyber Security Division, tier: city, role: enforcement, parent_code: STTTT}
"""
HEADER_EN = "case_id,agency_code,detected_at,url,platform,category,severity,reach,status,triaged_at,closed_at,account_handle,notes"
HEADER_VI = (
    "Mã vụ việc,Đơn vị,Thời điểm phát hiện,Đường dẫn,Nền tảng,Loại,Mức độ,Lượt tiếp cận,Trạng thái,"
    "Thời điểm phân loại,Thời điểm kết thúc,Tài khoản,Ghi chú"
)
GOOD_ROW = "C1,STTTT,2025-04-03T10:00:00+07:00,https://www.facebook.com/p/1?utm_source=x,Facebook,scam_fraud,high,12000,closed,03/04/2025 11:00,05/04/2025 10:00,@NguyenVanA,gọi 0912345678"


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def as_windows_1258(text: str) -> str:
    """Vietnamese as Windows-1258 holds it: base letters with their vowel mark precomposed, tone marks combining."""
    import unicodedata

    out = []
    for char in text:
        try:
            char.encode("cp1258")
            out.append(char)
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            # Precompose the base with the one mark the code page has (ê, ơ, ă …); the tone stays combining.
            candidates = [
                unicodedata.normalize("NFC", base + m) + "".join(marks[:i] + marks[i + 1 :])
                for i, m in enumerate(marks)
            ] + [base + "".join(marks)]
            for candidate in candidates:
                try:
                    candidate.encode("cp1258")
                    out.append(candidate)
                    break
                except UnicodeEncodeError:
                    continue
            else:
                raise ValueError(f"{char!r} has no Windows-1258 form")
    return "".join(out)


def load(con: duckdb.DuckDBPyConnection, path: Path, source: str = "cases") -> BatchResult:
    return ingest_file(con, path, SOURCES[source])


@pytest.fixture
def agencies(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    assert load(con, write(tmp_path, "agencies.yaml", AGENCIES_YAML), "agencies").rows_loaded == 2
    return con


def reasons(con: duckdb.DuckDBPyConnection) -> list[tuple[int, list[str]]]:
    return con.execute("SELECT row_number, reason_codes FROM quarantine.rows ORDER BY batch_id, row_number").fetchall()


def test_a_good_case_is_typed_cleaned_and_protected(agencies: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    result = load(agencies, write(tmp_path, "c.csv", f"{HEADER_EN}\n{GOOD_ROW}\n"))
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1, 0)
    row = agencies.execute(
        """SELECT url_key, platform, severity, reach, status, notes, account_pseudonym,
                  strftime(detected_at, '%Y-%m-%d %H:%M'), strftime(triaged_at, '%Y-%m-%d %H:%M')
           FROM staging.cases"""
    ).fetchone()
    assert row is not None
    assert row[:6] == ("facebook.com/p/1", "facebook", 3, 12000, "closed", "gọi [phone]")
    assert len(row[6]) == 64 and "nguyen" not in row[6].lower()
    assert row[7:] == ("2025-04-03 03:00", "2025-04-03 04:00")
    # The raw history never holds the handle or the phone number in clear either.
    raw = agencies.execute("SELECT account_handle, notes FROM raw.cases").fetchone()
    assert raw == (row[6], "gọi [phone]")


@pytest.mark.parametrize(
    ("encoding", "header"),
    [
        ("utf-8", HEADER_EN),
        ("utf-8-sig", HEADER_VI),  # BOM
        ("utf-16", HEADER_VI),  # UTF-16 with BOM
        ("cp1258", HEADER_VI),  # Windows-1258, written the way Vietnamese Windows writes it (decomposed)
    ],
)
def test_encodings_and_vietnamese_headers(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, encoding: str, header: str
) -> None:
    text = f"{header}\n{GOOD_ROW}\n"
    if encoding == "cp1258":
        text = as_windows_1258(text)
    result = load(agencies, write(tmp_path, "c.csv", text, encoding))
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert agencies.execute("SELECT notes FROM staging.cases").fetchone() == ("gọi [phone]",)


def test_nfd_upper_case_spaced_headers_map(agencies: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    import unicodedata

    header = unicodedata.normalize("NFD", HEADER_VI.upper().replace(",", " ,  "))
    assert load(agencies, write(tmp_path, "c.csv", f"{header}\n{GOOD_ROW}\n")).rows_loaded == 1


def test_extra_columns_are_recorded_and_missing_optional_ones_are_null(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    content = "case_id,agency_code,detected_at,url,platform,category,severity,status,colour\nC1,STTTT,2025-04-03T10:00:00+07:00,http://a.vn/x,zalo,phishing,2,open,red\n"
    result = load(agencies, write(tmp_path, "c.csv", content))
    assert result.rows_loaded == 1
    assert agencies.execute("SELECT ignored_columns FROM audit.batches WHERE source = 'cases'").fetchone() == (
        ["colour"],
    )
    assert agencies.execute("SELECT reach, triaged_at FROM staging.cases").fetchone() == (None, None)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "empty_file"),
        ("blank.csv", b"\n\n  \n", "empty_file"),
        ("header_only.csv", HEADER_EN.encode() + b"\n", "no_rows"),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary_file"),
        ("renamed.csv", b"id,agency,when,link\n1,STTTT,2025-01-01,http://a.vn\n", "missing_columns"),
        ("cases.pdf", b"%PDF-1.4", "wrong_format"),
    ],
)
def test_bad_files_are_rejected_whole_and_recorded(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    result = load(agencies, write(tmp_path, name, content))
    assert result.status == "rejected"
    assert result.reason is not None and result.reason.startswith(reason)
    batch = agencies.execute("SELECT status, reason, rows_in FROM audit.batches WHERE source = 'cases'").fetchone()
    assert batch == ("rejected", result.reason, 0)
    assert agencies.execute("SELECT count(*) FROM raw.cases").fetchone() == (0,)
    assert (tmp_path / name).exists()  # kept, never deleted


def test_bad_rows_are_quarantined_with_every_reason(agencies: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = [
        GOOD_ROW,
        ",STTTT,2025-04-03T10:00:00+07:00,http://a.vn,tiktok,phishing,1,,open,,,,",  # no case id
        "C3,NOPE,31/02/2025 10:00,http://a.vn,myspace,gossip,7,-5,lost,,,,",  # six things wrong
        "C4,STTTT,2025-04-03T10:00:00+07:00,http://a.vn,tiktok,phishing,1,,triaged,2025-04-03T09:00:00+07:00,,,",
        "C5,STTTT,2027-01-01T10:00:00+07:00,http://a.vn,tiktok,phishing,1,,open,,,,",  # after the as-of time
        "C6,STTTT,2025-04-03T10:00:00+07:00,http://exa mple.com,tiktok,phishing,1,,open,,,,",
        '"C7,STTTT,2025-04-03T10:00',  # cut off mid-row at the end of the file
    ]
    result = load(agencies, write(tmp_path, "c.csv", HEADER_EN + "\n" + "\n".join(rows)))
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (7, 1, 6)
    got = dict(reasons(agencies))
    assert got[2] == ["missing:case_id"]
    assert set(got[3]) == {
        "bad_timestamp:detected_at",
        "unknown_agency:agency_code",
        "unknown_platform",
        "unknown_category",
        "unknown_status",
        "bad_severity",
        "bad_reach",
    }
    assert got[4] == ["time_order:triaged_at_before_detected_at"]
    assert got[5] == ["future:detected_at"]
    assert got[6] == ["bad_url"]
    assert "missing:agency_code" in got[7]
    raw = json.loads(agencies.execute("SELECT raw FROM quarantine.rows WHERE row_number = 3").fetchone()[0])
    assert raw["agency_code"] == "NOPE" and raw["detected_at"] == "31/02/2025 10:00"


def test_a_redelivered_file_is_skipped_and_recorded(agencies: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", f"{HEADER_EN}\n{GOOD_ROW}\n")
    first, second = load(agencies, path), load(agencies, path)
    assert (first.status, second.status) == ("loaded", "skipped")
    assert second.reason == f"already loaded as {first.batch_id}"
    assert agencies.execute("SELECT count(*) FROM raw.cases").fetchone() == (1,)


def test_a_correction_supersedes_the_case_and_history_is_kept(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    load(
        agencies,
        write(
            tmp_path, "m1.csv", f"{HEADER_EN}\n{GOOD_ROW.replace('closed', 'open').replace(',05/04/2025 10:00', ',')}\n"
        ),
    )
    load(agencies, write(tmp_path, "m2.csv", f"{HEADER_EN}\n{GOOD_ROW}\n"))
    assert agencies.execute("SELECT status, closed_at IS NOT NULL FROM staging.cases").fetchall() == [("closed", True)]
    assert agencies.execute("SELECT count(*) FROM raw.cases").fetchone() == (2,)


def test_the_same_key_twice_in_one_file_keeps_the_later_row(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    later = GOOD_ROW.replace(",high,", ",critical,")
    result = load(agencies, write(tmp_path, "c.csv", f"{HEADER_EN}\n{GOOD_ROW}\n{later}\n"))
    assert (result.rows_in, result.rows_loaded) == (2, 2)
    assert agencies.execute("SELECT severity FROM staging.cases").fetchall() == [(4,)]


def test_referrals_json_lines_with_malformed_lines(agencies: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    good = {
        "referral_id": "R1",
        "case_agency": "STTTT",
        "case_id": "C1",
        "from_agency": "STTTT",
        "to_agency": "CA-ANM",
        "sent_at": "2025-04-03T12:00:00+07:00",
        "acknowledged_at": None,
        "completed_at": None,
        "outcome": None,
    }
    lines = [
        json.dumps(good),
        '{"referral_id": "R2", "case_agency": "STT',
        "[1, 2]",
        "",
        json.dumps({**good, "referral_id": "R3", "to_agency": "XX", "outcome": "maybe"}),
    ]
    result = load(agencies, write(tmp_path, "r.jsonl", "\n".join(lines)), "referrals")
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (4, 1, 3)
    got = dict(reasons(agencies))
    assert got[2] == ["malformed_json"] and got[3] == ["malformed_json"]
    assert set(got[5]) == {"unknown_agency:to_agency", "unknown_outcome"}


@pytest.mark.parametrize("escaped", [True, False])
def test_a_json_escape_in_an_ascii_line_is_still_cleaned(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, escaped: bool
) -> None:
    # An ASCII line can carry a zero-width space as a JSON escape (\\u200b): the batch then takes clean_text.
    lines = [
        json.dumps(
            {
                "referral_id": f"R{i}",
                "case_agency": "STTTT",
                "case_id": "C1",
                "from_agency": "STTTT",
                "to_agency": "CA-ANM",
                "sent_at": "2025-04-03T12:00:00+07:00",
                "outcome": outcome,
            }
        )
        for i, outcome in enumerate(["Acc\u200bepted" if escaped else " Accepted ", "accepted"], 1)
    ]
    result = load(agencies, write(tmp_path, "r.jsonl", "\n".join(lines)), "referrals")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    rows = agencies.execute("SELECT referral_id, outcome FROM staging.referrals ORDER BY 1").fetchall()
    assert rows == [("R1", "accepted"), ("R2", "accepted")]


@pytest.mark.parametrize(
    ("statuses", "loaded"),
    [
        (["closed", "clo\u200bsed"], ["C1", "C2"]),  # no control character: the cheap ASCII check decides
        (["closed", "clo\u200bsed", "clo\tsed"], ["C1", "C2"]),  # a tab: every column is checked by regex
        (["closed", "clo\u00adsed\x7f", "closed\x0b"], ["C1", "C2", "C3"]),  # soft hyphen, DEL, vertical tab
    ],
)
def test_a_plain_ascii_column_and_one_with_invisible_characters_in_one_file(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, statuses: list[str], loaded: list[str]
) -> None:
    # case_id is printable ASCII in every row (only trimmed); status holds invisible or control characters.
    rows = [
        GOOD_ROW.replace("C1,", f" C{i} ,").replace(",closed,", f",{status},") for i, status in enumerate(statuses, 1)
    ]
    result = load(agencies, write(tmp_path, "c.csv", "\n".join([HEADER_EN, *rows])))
    assert result.rows_loaded == len(loaded)
    assert agencies.execute("SELECT case_id, status FROM staging.cases ORDER BY 1").fetchall() == [
        (c, "closed") for c in loaded
    ]
    if len(loaded) < len(statuses):
        assert reasons(agencies) == [(3, ["unknown_status"])]  # "clo sed": the tab became a space


def test_public_responses_rss_with_several_targets(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rss = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:cc="urn:concord:rss:1"><channel><title>T</title><link>http://press.vn</link><description>d</description>
<item><guid>G1</guid><link>http://press.vn/1</link><title>Cải chính</title><pubDate>Thu, 03 Apr 2025 15:00:00 +0700</pubDate>
<category>health_misinfo</category><cc:respondsTo>https://www.facebook.com/p/1/?fbclid=x</cc:respondsTo><cc:respondsTo>http://a.vn</cc:respondsTo></item>
<item><guid>G2</guid><title>x</title><pubDate>yesterday-ish</pubDate></item>
</channel></rss>"""
    result = load(con, write(tmp_path, "pr.xml", rss), "public_responses")
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert con.execute("SELECT strftime(published_at, '%H:%M') FROM staging.public_responses").fetchone() == ("08:00",)
    assert con.execute("SELECT url_key FROM staging.public_response_targets ORDER BY 1").fetchall() == [
        ("a.vn/",),
        ("facebook.com/p/1",),
    ]


def test_atom_feed(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:cc="urn:concord:rss:1"><title>T</title><id>urn:t</id><updated>2025-04-03T08:00:00Z</updated>
<entry><id>urn:a1</id><title>Thông báo</title><link href="http://press.vn/a1"/><published>2025-04-03T08:00:00Z</published>
<updated>2025-04-03T08:00:00Z</updated><cc:respondsTo>t.me/scam</cc:respondsTo></entry></feed>"""
    result = load(con, write(tmp_path, "pr.atom", atom), "public_responses")
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert con.execute("SELECT response_id, link FROM staging.public_responses").fetchone() == (
        "urn:a1",
        "http://press.vn/a1",
    )


cell = st.one_of(
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(
        [
            "STTTT",
            "2025-04-03T10:00:00+07:00",
            "03/04/2025 10:00",
            "http://a.vn/x",
            "facebook",
            "phishing",
            "3",
            "open",
            "=HYPERLINK(1)",
            "\u00a0",
            "'",
            '"',
            "\t",
        ]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=15), min_size=1, max_size=25))
def test_rows_in_equals_loaded_plus_quarantined_for_any_rows(
    agencies: duckdb.DuckDBPyConnection, tmp_path: Path, rows: list[list[str]]
) -> None:
    import csv
    import io
    import uuid

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER_EN.split(","))
    writer.writerows(rows)
    result = load(agencies, write(tmp_path, f"{uuid.uuid4().hex}.csv", buffer.getvalue()))
    if result.status == "rejected":
        assert result.reason is not None
        return
    assert result.rows_in == result.rows_loaded + result.rows_quarantined
    stored = agencies.execute(
        "SELECT (SELECT count(*) FROM raw.cases WHERE batch_id = $b), "
        "(SELECT count(*) FROM quarantine.rows WHERE batch_id = $b)",
        {"b": result.batch_id},
    ).fetchone()
    assert stored == (result.rows_in, result.rows_quarantined)
