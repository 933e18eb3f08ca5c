"""The parsing rules of PRODUCT.md, checked through the SQL macros every source uses."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_KEY


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> object:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return row[0]


URL_KEY_CASES = [
    ("https://example.com/a", "example.com/a"),
    ("example.com", "example.com/"),  # no scheme: http:// is assumed; the root path stays
    ("HTTP://WWW.Example.COM/Path", "example.com/Path"),  # scheme and host lower-cased, path case kept
    ("http://example.com:80/a", "example.com/a"),  # default ports dropped
    ("https://example.com:443/a", "example.com/a"),
    ("http://example.com:8080/a", "example.com:8080/a"),  # other ports kept
    ("http://user:secret@example.com/a", "example.com/a"),  # credentials never reach the key
    ("http://example.com/a/#frag", "example.com/a"),  # fragment and trailing slash dropped
    ("http://example.com/?b=2&a=1", "example.com/?a=1&b=2"),  # query sorted
    (
        "http://example.com/p?utm_source=x&utm_medium=y&id=3&fbclid=z&gclid=g&igshid=i&mibextid=m&si=s",
        "example.com/p?id=3",
    ),
    ("http://example.com/p?a=1&amp;b=2", "example.com/p?a=1&b=2"),  # HTML-unescaped …
    ("http://example.com/p?a=1&amp;amp;b=2", "example.com/p?a=1&amp;b=2"),  # … exactly once
    ("  http://example.com/a\t", "example.com/a"),
    ("\u00a0http://example.com/a\u200b", "example.com/a"),  # NBSP and zero-width space
    ("http://ngân-hàng.vn/đăng-nhập", "xn--ngn-hng-dwao.vn/đăng-nhập"),  # IDN host as punycode
    ("http://EXAMPLE.com./a", "example.com/a"),  # trailing dot of a fully qualified host
    ("http://117.209.87.242:60905/bin.sh", "117.209.87.242:60905/bin.sh"),  # URLhaus: IP literal with port
    ("https://www.facebook.com/groups/123/posts/456/?mibextid=abc", "facebook.com/groups/123/posts/456"),
    ("http://example.com/a b", "example.com/a%20b"),  # an inner space is percent-encoded
]
URL_WITHOUT_HOST = ["", "   ", "http://", "http:///path", "not a url ://", "http://exa mple.com/"]


@pytest.mark.parametrize(("raw", "expected"), URL_KEY_CASES)
def test_url_key(con: duckdb.DuckDBPyConnection, raw: str, expected: str) -> None:
    assert one(con, "SELECT url_key(?)", raw) == expected


@pytest.mark.parametrize("raw", URL_WITHOUT_HOST)
def test_url_key_is_null_without_a_usable_host(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    assert one(con, "SELECT url_key(?)", raw) is None


def test_url_masked_hides_credentials(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(con, "SELECT url_masked(?)", " http://admin:hunter2@bank.example/login ") == "http://***@bank.example/login"
    )


def test_a_url_over_2000_characters_keeps_its_full_key(con: duckdb.DuckDBPyConnection) -> None:
    path = "/" + "a" * 2100
    assert one(con, "SELECT url_key(?)", "http://example.com" + path) == "example.com" + path


def _urlhaus_urls(folder: Path) -> list[str]:
    frames = [
        pl.read_csv(folder / "urlhaus_csv_online_2025-04-21_noheaderbanner.csv", infer_schema=False),
        pl.read_csv(
            folder / "urlhaus_csv_recent_2022-09-13_sample150.csv",
            infer_schema=False,
            comment_prefix="#",
            has_header=False,
            new_columns=[
                "id",
                "dateadded",
                "url",
                "url_status",
                "last_online",
                "threat",
                "tags",
                "urlhaus_link",
                "reporter",
            ],
        ),
    ]
    return pl.concat([f.select("url") for f in frames])["url"].to_list()


def test_every_real_urlhaus_url_gets_an_idempotent_key(con: duckdb.DuckDBPyConnection, urlhaus_dir: Path) -> None:
    urls = _urlhaus_urls(urlhaus_dir)
    assert len(urls) == 11_125 + 150
    con.register("urls", pl.DataFrame({"url": urls}))
    result = con.execute(
        """SELECT count(*) AS n, count(url_key(url)) AS keyed,
                  count(*) FILTER (url_key('http://' || url_key(url)) IS DISTINCT FROM url_key(url)) AS unstable,
                  count(*) FILTER (url_key(url) LIKE 'http%://%') AS with_scheme
           FROM urls"""
    ).fetchone()
    assert result == (len(urls), len(urls), 0, 0)


def _staged_keys(con: duckdb.DuckDBPyConnection, urls: list[str]) -> list[tuple[str, str | None, str | None]]:
    """(url, url_key(url), the key from ``url_key_steps``) per URL: the bulk loader's form beside the macro."""
    from flows.parsing import url_key_steps

    con.register("urls_in", pl.DataFrame({"url": urls}, schema={"url": pl.String}))
    ctes, previous = ["s0 AS (SELECT url, clean_text(url) AS c FROM urls_in)"], "s0"
    for i, step in enumerate(url_key_steps("c", "k"), 1):
        ctes.append(
            f"s{i} AS (SELECT {previous}.*, {', '.join(f'{e} AS {n}' for n, e in step.items())} FROM {previous})"
        )
        previous = f"s{i}"
    rows = con.execute(f"WITH {', '.join(ctes)} SELECT url, url_key(url), k FROM {previous}").fetchall()
    con.unregister("urls_in")
    return rows


def test_url_key_steps_agree_with_the_macro_on_real_urls(con: duckdb.DuckDBPyConnection, urlhaus_dir: Path) -> None:
    urls = [
        *_urlhaus_urls(urlhaus_dir),
        *(raw for raw, _ in URL_KEY_CASES),
        *URL_WITHOUT_HOST,
        "http://a@b@example.com:0080/x?si=1&z",
    ]
    rows = _staged_keys(con, urls)
    assert len(rows) == len(urls)
    assert [r for r in rows if r[1] != r[2]] == []
    assert sum(r[2] is None for r in rows) == len(URL_WITHOUT_HOST)  # the check can fail: NULL keys are compared


@settings(max_examples=300, deadline=None)
@given(host=st.from_regex(r"[a-zA-Z0-9.:@\[\]-]{0,20}", fullmatch=True), tail=st.text(max_size=40))
def test_url_key_steps_agree_with_the_macro(host: str, tail: str) -> None:
    [(_, by_macro, by_steps)] = _staged_keys(_shared_con(), [f"http://{host}/{tail}"])
    assert by_steps == by_macro


def test_urlhaus_keys_keep_ports_and_drop_default_ones(con: duckdb.DuckDBPyConnection, urlhaus_dir: Path) -> None:
    con.register("urls", pl.DataFrame({"url": _urlhaus_urls(urlhaus_dir)}))
    rows = con.execute(
        "SELECT url, url_key(url) FROM urls WHERE url IN ('http://117.209.87.242:60905/bin.sh') LIMIT 1"
    ).fetchall()
    assert rows == [("http://117.209.87.242:60905/bin.sh", "117.209.87.242:60905/bin.sh")]


url_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(host=st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,8}){1,2}", fullmatch=True), tail=url_text)
def test_url_key_is_idempotent(host: str, tail: str) -> None:
    con = _shared_con()
    key = one(con, "SELECT url_key(?)", f"http://{host}/{tail}")
    if key is not None:
        assert one(con, "SELECT url_key(?)", "http://" + str(key)) == key


_CON: duckdb.DuckDBPyConnection | None = None


def _shared_con() -> duckdb.DuckDBPyConnection:
    global _CON
    if _CON is None:
        from concord.warehouse import connect
        from flows import parsing

        _CON = connect(":memory:")
        parsing.install(_CON, hmac_key=TEST_KEY)
    return _CON


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-04-03T10:00:00+07:00", datetime(2025, 4, 3, 3, 0, tzinfo=UTC)),
        ("2025-04-03T10:00:00Z", datetime(2025, 4, 3, 10, 0, tzinfo=UTC)),
        ("2025-04-03 10:00:00", datetime(2025, 4, 3, 3, 0, tzinfo=UTC)),  # no offset: local time, UTC+07:00
        ("2025-04-03T10:00", datetime(2025, 4, 3, 3, 0, tzinfo=UTC)),
        ("03/04/2025 10:00", datetime(2025, 4, 3, 3, 0, tzinfo=UTC)),  # day first: 3 April, never 4 March
        ("03/04/2025 10:00:30", datetime(2025, 4, 3, 3, 0, 30, tzinfo=UTC)),
        ("3/4/2025", datetime(2025, 4, 2, 17, 0, tzinfo=UTC)),  # a bare local date starts at local midnight
        ("13/01/2025 00:30", datetime(2025, 1, 12, 17, 30, tzinfo=UTC)),  # crosses the UTC day boundary
        ("45678.5", datetime(2025, 1, 21, 5, 0, tzinfo=UTC)),  # Excel serial day 45678 = 2025-01-21, at 12:00 local
        (" 2025-04-03T10:00:00+07:00\u00a0", datetime(2025, 4, 3, 3, 0, tzinfo=UTC)),
    ],
)
def test_parse_ts(con: duckdb.DuckDBPyConnection, raw: str, expected: datetime) -> None:
    assert one(con, "SELECT parse_ts(?, 7)", raw) == expected


def test_parse_ts_without_offset_for_public_feeds_is_utc(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT parse_ts(?, 0)", "2025-04-21 12:35:06") == datetime(2025, 4, 21, 12, 35, 6, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["31/02/2025 10:00", "2025-13-01", "not a date", "04/03/25", "12345678", "25:00"])
def test_parse_ts_rejects_what_it_cannot_read(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    assert one(con, "SELECT parse_ts(?, 7)", raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Mã\u00a0vụ  ", "Mã vụ"),
        ("\ufeffĐơn vị", "Đơn vị"),  # BOM
        ("a\u200bb\u0007c", "abc"),  # zero-width and control characters
        ("Nghie\u0302m tro\u0323ng", "Nghiêm trọng"),  # NFD becomes NFC
        ("   ", None),
        ("a\tb\r\nc", "a b c"),  # tabs and line breaks
        ("a\x7fb\x00", "ab"),  # ASCII control characters
    ],
)
def test_clean_text(con: duckdb.DuckDBPyConnection, raw: str, expected: str | None) -> None:
    assert one(con, "SELECT clean_text(?)", raw) == expected


_FULL_CLEAN = """nullif(trim(regexp_replace(regexp_replace(nfc_normalize(?), '{}', '', 'g'), '{}', ' ', 'g')), '')"""

# Text where NFC has work to do: combining marks (Vietnamese typed as NFD), Hangul jamo, singletons such as Ω.
nfc_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from("e\u0302\u0301\u0323aăâ\u1100\u1161\u11a8\u2126\u212b\u0958\u0b47\u0b3e \u00a0\u200b\t"),
    ),
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(raw=nfc_text)
@example(raw="Nghie\u0302m tro\u0323ng")  # combining marks: composed
@example(raw="a\u0358\u0317")  # marks in no composition, in the wrong order: reordered
@example(raw="\u0b47\u0b3e")  # a vowel sign that is no combining mark but composes with what precedes it
@example(raw="\u1100\u1161\u11a8")  # Hangul jamo: one syllable
@example(raw="\u2126 \u0958")  # singletons and composition exclusions: replaced
@example(raw="\x00\x80")  # DuckDB's nfc_normalize cuts this at the NUL: it still goes through it
def test_clean_text_skips_nfc_only_where_it_changes_nothing(raw: str) -> None:
    from flows.parsing import _INVISIBLE, _SPACES, nfc_may_change

    con = _shared_con()
    if not con.execute(f"SELECT regexp_matches(?, '{nfc_may_change()}')", [raw]).fetchall()[0][0]:
        assert unicodedata.normalize("NFC", raw) == raw  # Python's own NFC agrees that there is nothing to do
    assert one(con, "SELECT clean_text(?)", raw) == one(con, "SELECT " + _FULL_CLEAN.format(_INVISIBLE, _SPACES), raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("4", 4),
        ("LOW", 1),
        ("Medium", 2),
        ("high", 3),
        ("critical", 4),
        ("thấp", 1),
        ("Trung  bình", 2),
        ("CAO", 3),
        ("nghiêm trọng", 4),
        ("nghie\u0302m tro\u0323ng", 4),
        ("7", None),
        ("urgent", None),
        ("0", None),
    ],
)
def test_parse_severity(con: duckdb.DuckDBPyConnection, raw: str, expected: int | None) -> None:
    assert one(con, "SELECT parse_severity(?)", raw) == expected


def test_pseudonym_is_keyed_hmac_sha256_of_the_normalised_handle(con: duckdb.DuckDBPyConnection) -> None:
    expected = hmac.new(TEST_KEY, b"nguyenvana", hashlib.sha256).hexdigest()
    assert one(con, "SELECT pseudonym(?)", " @NguyenVanA ") == expected
    assert one(con, "SELECT pseudonym(?)", "nguyenvana") == expected
    assert one(con, "SELECT pseudonym(?)", "") is None


def test_pseudonym_handles_a_key_longer_than_the_block(con: duckdb.DuckDBPyConnection) -> None:
    from flows import parsing

    long_key = b"k" * 100
    parsing.install(con, hmac_key=long_key)
    assert one(con, "SELECT pseudonym('@x')") == hmac.new(long_key, b"x", hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("liên hệ nguyen.van.a@example.vn ngay", "liên hệ [email] ngay"),
        ("gọi 0912345678 hoặc 0912 345 678", "gọi [phone] hoặc [phone]"),
        ("số +84 912 345 678 và +84912345678", "số [phone] và [phone]"),
        ("CCCD 079123456789, CMND 123456789", "CCCD [id], CMND [id]"),
        ("mã vụ 12345 và năm 2025", "mã vụ 12345 và năm 2025"),  # short numbers are not identifiers
    ],
)
def test_scrub_notes(con: duckdb.DuckDBPyConnection, raw: str, expected: str) -> None:
    assert one(con, "SELECT scrub_notes(?)", raw) == expected
