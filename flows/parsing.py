"""The parsing rules of PRODUCT.md as DuckDB SQL macros, so every source parses the same way, vectorised.

``install(con, hmac_key=...)`` registers the macros as TEMP objects on one connection (never persisted in the
warehouse file). The only Python in the row path is :func:`_idna_host`, which DuckDB calls just for the rare
hosts with non-ASCII characters (the CASE in ``url_host`` keeps every other row in SQL).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import unicodedata

import duckdb
import idna
from duckdb.func import FunctionNullHandling

# Vietnam has had no daylight-saving time since 1975, so local agency time is a fixed UTC+07:00.
LOCAL_OFFSET_HOURS = 7

# Query parameters that only track the click, never identify the item (PRODUCT.md, URL rules).
TRACKING_PARAMS = ("fbclid", "gclid", "igshid", "mibextid", "si")

_INVISIBLE = r"[\x{200B}-\x{200D}\x{2060}\x{FEFF}\x{00AD}\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
_SPACES = r"[\x{00A0}\x{2007}\x{202F}\t\r\n]+"

_MACROS = rf"""
-- Text: NFC, invisible and control characters stripped, NBSP and line breaks as one space, trimmed; '' is NULL.
-- (`nfc(s)` is defined by `install`: NFC only where the text holds a character NFC can change.)
CREATE OR REPLACE TEMP MACRO clean_text(s) AS
    nullif(trim(regexp_replace(regexp_replace(nfc(s), '{_INVISIBLE}', '', 'g'), '{_SPACES}', ' ', 'g')), '');

-- A code: lower case, inner whitespace runs as one space (`code_of` takes text that is already clean).
CREATE OR REPLACE TEMP MACRO code_of(t) AS lower(regexp_replace(t, '\s+', ' ', 'g'));
CREATE OR REPLACE TEMP MACRO clean_code(s) AS code_of(clean_text(s));

-- Timestamps: ISO 8601 with offset or Z; ISO without offset, dd/mm/yyyy[ HH:MM[:SS]] (day first) and Excel
-- serial days are local time at `offset_h` hours east of UTC. Anything else is NULL (a quarantine reason).
-- (Macros call macros instead of using subqueries: DuckDB cannot use subqueries inside lambdas.)
CREATE OR REPLACE TEMP MACRO parse_ts_clean(s, offset_h) AS CASE
    WHEN s IS NULL THEN NULL
    WHEN regexp_matches(s, '^\d{{4}}-\d{{2}}-\d{{2}}[T ]\d{{2}}:\d{{2}}(:\d{{2}}(\.\d+)?)?\s*(Z|z|[+-]\d{{2}}(:?\d{{2}})?)$')
        THEN try_cast(s AS TIMESTAMPTZ)
    WHEN regexp_matches(s, '^\d{{4}}-\d{{2}}-\d{{2}}([T ]\d{{2}}:\d{{2}}(:\d{{2}}(\.\d+)?)?)?$')
        THEN (try_cast(s AS TIMESTAMP) - to_hours(offset_h))::TIMESTAMPTZ
    WHEN regexp_matches(s, '^\d{{1,2}}/\d{{1,2}}/\d{{4}}( \d{{1,2}}:\d{{2}}(:\d{{2}})?)?$')
        THEN (try_strptime(s, ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y']) - to_hours(offset_h))::TIMESTAMPTZ
    WHEN regexp_matches(s, '^\d{{5}}(\.\d+)?$')
        THEN (TIMESTAMP '1899-12-30' + to_microseconds(round(s::DOUBLE * 86400000000)::BIGINT)
              - to_hours(offset_h))::TIMESTAMPTZ
END;
CREATE OR REPLACE TEMP MACRO parse_ts(raw, offset_h) AS parse_ts_clean(clean_text(raw), offset_h);

-- HTML-unescape once: only the ampersand forms occur in URLs (`&amp;amp;` becomes `&amp;`, not `&`).
CREATE OR REPLACE TEMP MACRO url_unescape(s) AS regexp_replace(s, '&(amp|#38|#x26);', '&', 'gi');

-- The URL as received after cleaning: trimmed, invisible characters gone, inner spaces %20, scheme added.
CREATE OR REPLACE TEMP MACRO url_with_scheme(s) AS
    CASE WHEN regexp_matches(s, '^[A-Za-z][A-Za-z0-9+.-]*://') THEN s ELSE 'http://' || s END;
CREATE OR REPLACE TEMP MACRO url_prepared_text(t) AS url_with_scheme(replace(url_unescape(t), ' ', '%20'));
CREATE OR REPLACE TEMP MACRO url_prepared(raw) AS url_prepared_text(clean_text(raw));

-- The URL parts: scheme, authority (user-info, host, port), path, query (without '?'); fragment dropped.
CREATE OR REPLACE TEMP MACRO url_parts(u) AS
    regexp_extract(u, '^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)([^?#]*)(?:\?([^#]*))?',
                   ['scheme', 'authority', 'path', 'query']);

-- Raw URL kept for display with any user-info (credentials) masked, with or without a scheme, up to the
-- authority's last '@' (a password may contain '@'), as url_host reads it.
CREATE OR REPLACE TEMP MACRO url_masked(raw) AS
    regexp_replace(clean_text(raw), '^([A-Za-z][A-Za-z0-9+.-]*://)?[^/?#]*@', '\1***@');

-- Host: user-info and port dropped, lower case, trailing dot and leading `www.` dropped, IDN as punycode.
CREATE OR REPLACE TEMP MACRO url_host_ascii(host) AS
    regexp_replace(CASE WHEN regexp_matches(host, '[^\x00-\x7F]') THEN idna_host(host) ELSE host END, '^www\.', '');
CREATE OR REPLACE TEMP MACRO url_host(authority) AS
    url_host_ascii(rtrim(lower(regexp_extract(regexp_replace(authority, '^.*@', ''), '^(\[[^\]]*\]|[^:]*)', 1)), '.'));

CREATE OR REPLACE TEMP MACRO url_port_kept(scheme, port) AS
    CASE WHEN port = '' OR (scheme = 'http' AND port = '80') OR (scheme = 'https' AND port = '443')
         THEN '' ELSE ':' || ltrim(port, '0') END;
CREATE OR REPLACE TEMP MACRO url_port(scheme, authority) AS
    url_port_kept(lower(scheme), regexp_extract(regexp_replace(authority, '^.*@', ''), '^(?:\[[^\]]*\]|[^:]*):(\d*)$', 1));

CREATE OR REPLACE TEMP MACRO url_path(path) AS coalesce(nullif(regexp_replace(path, '/+$', ''), ''), '/');

-- Query: tracking parameters dropped, the rest sorted, '' when nothing is left.
CREATE OR REPLACE TEMP MACRO url_query(query) AS
    array_to_string(list_sort(list_filter(string_split(coalesce(query, ''), '&'),
        lambda p: p <> '' AND NOT (lower(split_part(p, '=', 1)) LIKE 'utm\_%' ESCAPE '\'
                              OR lower(split_part(p, '=', 1)) IN {TRACKING_PARAMS!r}))), '&');

-- The item key: host + port + path + query, without scheme, user-info, fragment, `www.` and tracking.
-- NULL when the URL has no usable host (a quarantine reason).
-- `list_transform([value], lambda v: …)[1]` binds a value once: a macro argument used several times would
-- otherwise be expanded, planned and evaluated once per use.
CREATE OR REPLACE TEMP MACRO url_query_suffix(q) AS CASE WHEN q = '' THEN '' ELSE '?' || q END;
CREATE OR REPLACE TEMP MACRO url_key_from(host, port_kept, path, query_kept) AS
    CASE WHEN host IS NULL OR NOT regexp_matches(host, '^[a-z0-9][a-z0-9.\-_]*$|^\[[0-9a-f:.]+\]$') THEN NULL
         ELSE host || port_kept || url_path(path) || url_query_suffix(query_kept)
    END;
CREATE OR REPLACE TEMP MACRO url_key_with_host(x, host) AS
    url_key_from(host, url_port(x.scheme, x.authority), x.path, url_query(x.query));
CREATE OR REPLACE TEMP MACRO url_key_of(x) AS
    list_transform([url_host(x.authority)], lambda h: url_key_with_host(x, h))[1];
CREATE OR REPLACE TEMP MACRO url_key_text(t) AS
    list_transform([url_parts(url_prepared_text(t))], lambda x: url_key_of(x))[1];
CREATE OR REPLACE TEMP MACRO url_key(raw) AS url_key_text(clean_text(raw));

-- Free-text notes with e-mail addresses, Vietnamese phone numbers and 9/12-digit ID numbers replaced.
CREATE OR REPLACE TEMP MACRO scrub_notes(raw) AS
    regexp_replace(regexp_replace(regexp_replace(clean_text(raw),
        '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{{2,}}', '[email]', 'g'),
        '(\+84|\b0)(?:[\s.-]?\d){{8,10}}\b', '[phone]', 'g'),
        '\b(\d{{12}}|\d{{9}})\b', '[id]', 'g');

-- Severity: 1-4, English or Vietnamese words; NULL when unknown.
CREATE OR REPLACE TEMP MACRO parse_severity_code(s) AS CASE
    WHEN s IN ('1', 'low', 'thấp') THEN 1
    WHEN s IN ('2', 'medium', 'trung bình') THEN 2
    WHEN s IN ('3', 'high', 'cao') THEN 3
    WHEN s IN ('4', 'critical', 'nghiêm trọng') THEN 4
END::TINYINT;
CREATE OR REPLACE TEMP MACRO parse_severity(raw) AS parse_severity_code(clean_code(raw));

-- A list of reason codes with the NULLs (conditions that did not fire) removed.
CREATE OR REPLACE TEMP MACRO reasons(codes) AS list_filter(codes, lambda c: c IS NOT NULL);
"""


@functools.cache
def nfc_may_change() -> str:
    """A regular-expression class of the characters NFC may change, combine or reorder, and of those Python's
    Unicode database does not know: a text with none of them is already NFC (UAX #15 quick check), so
    ``nfc_normalize`` (~0.6 s per 500k Vietnamese notes) is skipped for it. Built once per process (~0.4 s)."""
    chars: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul jamo that compose
    # DuckDB's nfc_normalize cuts a non-ASCII text at a NUL character; such text keeps going through it, so that
    # skipping NFC changes no result (DuckDB 2.0; NUL only arrives through JSON escapes, the readers reject it).
    chars.add(0)
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:  # surrogates never occur in UTF-8 text
            continue
        c = chr(cp)
        if unicodedata.category(c) == "Cn" or unicodedata.combining(c) or unicodedata.normalize("NFC", c) != c:
            chars.add(cp)
            continue
        decomposition = unicodedata.decomposition(c).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):  # the second of a composable pair
            chars.add(int(decomposition[1], 16))
    ranges: list[list[int]] = []
    for cp in sorted(chars):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(rf"\x{{{a:X}}}" + (rf"-\x{{{b:X}}}" if b > a else "") for a, b in ranges) + "]"


def url_key_steps(column: str, out: str) -> tuple[dict[str, str], ...]:
    """``url_key_text(column)`` as successive query steps, for bulk loads: each step's columns feed the next.

    The macro binds its intermediate values with ``list_transform`` (each binding costs ~0.45 s per 500k URLs)
    and still expands some twice; as columns of successive CTEs (``{out}_parts``, ``{out}_authority``, …, then
    ``{out}`` itself) every URL part is computed once. ``column`` holds cleaned text (see ``clean_text``).
    """
    parts, authority, host, port, query = (f"{out}_{n}" for n in ("parts", "authority", "host", "port", "query"))
    return (
        {parts: f"url_parts(url_prepared_text({column}))"},
        # The authority without its user-info (up to the last '@', as url_host reads it).
        {
            authority: f"CASE WHEN contains({parts}.authority, '@') "
            f"THEN regexp_replace({parts}.authority, '^.*@', '') ELSE {parts}.authority END"
        },
        {
            host: rf"rtrim(lower(regexp_extract({authority}, '^(\[[^\]]*\]|[^:]*)', 1)), '.')",
            port: rf"url_port_kept(lower({parts}.scheme), regexp_extract({authority}, '^(?:\[[^\]]*\]|[^:]*):(\d*)$', 1))",
            query: f"url_query({parts}.query)",
        },
        {out: f"url_key_from(url_host_ascii({host}), {port}, {parts}.path, {query})"},
    )


def _idna_host(host: str | None) -> str | None:
    """A non-ASCII host in punycode (IDNA 2008, falling back to the IDNA 2003 rules browsers still accept)."""
    if host is None:
        return None
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError:
            return None  # not a valid host name: url_key is NULL and the row is quarantined (bad_url)


def hmac_pads(key: bytes) -> tuple[str, str]:
    """The HMAC-SHA256 inner and outer padded keys as hex, for the SQL ``pseudonym`` macro (RFC 2104)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key).hex(), bytes(b ^ 0x5C for b in key).hex()


def install(con: duckdb.DuckDBPyConnection, *, hmac_key: bytes) -> None:
    """Register the parsing macros (and the IDN helper) on ``con``; the key lives only in this connection."""
    with contextlib.suppress(duckdb.NotImplementedException):  # already registered on this connection
        con.create_function(
            "idna_host",
            _idna_host,
            [duckdb.sqltype("VARCHAR")],
            duckdb.sqltype("VARCHAR"),
            null_handling=FunctionNullHandling.SPECIAL,
        )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO nfc(s) AS "
        f"CASE WHEN regexp_matches(s, '{nfc_may_change()}') THEN nfc_normalize(s) ELSE s END"
    )
    con.execute(_MACROS)
    ipad, opad = hmac_pads(hmac_key)
    # Handles are compared case-insensitively and without the leading '@' (one account, one pseudonym).
    con.execute(
        f"""CREATE OR REPLACE TEMP MACRO pseudonym_of(h) AS
                CASE WHEN h IS NOT NULL THEN sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(h)))) END;
            CREATE OR REPLACE TEMP MACRO pseudonym(handle) AS
                pseudonym_of(nullif(ltrim(lower(clean_text(handle)), '@'), ''));"""
    )
