"""Writing the inbox: each source's files in the formats, encodings, headers and timestamp styles agencies use.

Writers return the manifest entry of the file they wrote. Everything is deterministic: no wall-clock
time or random state goes into a file except what the caller passes in.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import polars as pl
import yaml

from concord.demo.reference import (
    ACTION_COLUMNS,
    AGENCIES,
    CASE_COLUMNS,
    CASE_HEADERS_VI,
    LOCAL_OFFSET_S,
    REFERRAL_COLUMNS,
)

LOCAL_TZ = timezone(timedelta(seconds=LOCAL_OFFSET_S))
EXCEL_EPOCH_DAYS = 25569  # 1970-01-01 as an Excel serial day (1900 date system)

# strftime pattern and whether it is written in local time (else UTC).
TS_FORMATS: dict[str, tuple[str, bool]] = {
    "iso_offset": ("%Y-%m-%dT%H:%M:%S+07:00", True),
    "iso_z": ("%Y-%m-%dT%H:%M:%SZ", False),
    "iso_local": ("%Y-%m-%dT%H:%M:%S", True),
    "sql_local": ("%Y-%m-%d %H:%M:%S", True),
    "dmy_hm": ("%d/%m/%Y %H:%M", True),
    "dmy_hms": ("%d/%m/%Y %H:%M:%S", True),
}
_MIX_FORMATS = tuple(TS_FORMATS)


def ts_text(column: str, fmt: str) -> pl.Expr:
    """Epoch seconds as text in one of :data:`TS_FORMATS` (null stays null)."""
    pattern, local = TS_FORMATS[fmt]
    shift = LOCAL_OFFSET_S if local else 0
    return pl.from_epoch(pl.col(column) + shift, time_unit="s").dt.strftime(pattern)


def ts_mixed(column: str, fmt: str, alt: pl.Expr) -> pl.Expr:
    """``fmt`` for most rows; rows whose ``alt`` ≥ 0 use that index into all formats (merged exports)."""
    expr = ts_text(column, fmt)
    for i, other in enumerate(_MIX_FORMATS):
        expr = pl.when(alt == i).then(ts_text(column, other)).otherwise(expr)
    return expr


def _alt(rng: np.random.Generator, n: int, share: float) -> pl.Series:
    return pl.Series(np.where(rng.random(n) < share, rng.integers(0, len(_MIX_FORMATS), n), -1))


# --- encodings ------------------------------------------------------------------------------------------

_TONES = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # grave, acute, tilde, hook above, dot below


def _cp1258_table() -> dict[int, str]:
    """Vietnamese letters as Windows-1258 writes them: base letter (with ˆ ˘ ơ ư đ) plus a combining tone mark."""
    table: dict[int, str] = {}
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY":
        for tone in _TONES:
            letter = unicodedata.normalize("NFC", base + tone)
            if len(letter) == 1:
                table[ord(letter)] = base + tone
    return table


_CP1258 = _cp1258_table()


def encode_text(text: str, encoding: str) -> bytes:
    """Text as the bytes of a file in ``encoding``; UTF-16 is little-endian with a BOM on every machine."""
    if encoding == "cp1258":
        return unicodedata.normalize("NFC", text).translate(_CP1258).encode("cp1258")
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")


def _entry(path: Path, root: Path, source: str, fmt: str, encoding: str, rows: int, **extra: object) -> dict:
    data = path.read_bytes()
    return {
        "path": path.relative_to(root).as_posix(),
        "source": source,
        "format": fmt,
        "encoding": encoding,
        "rows": rows,
        **extra,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


# --- agencies -------------------------------------------------------------------------------------------


def write_agencies(root: Path) -> dict:
    """``agencies/agencies.yaml``: a list of mappings, Vietnamese names in NFC."""
    path = root / "agencies" / "agencies.yaml"
    records = [
        {
            "agency_code": a.code,
            "name": unicodedata.normalize("NFC", a.name),
            "name_en": a.name_en,
            "tier": a.tier,
            "role": a.role,
            "parent_code": a.parent,
        }
        for a in AGENCIES
    ]
    text = "# Concord demo network (fictional data).\n" + yaml.safe_dump(
        records, allow_unicode=True, sort_keys=False, width=200
    )
    path.write_bytes(text.encode("utf-8"))
    return _entry(path, root, "agencies", "yaml", "utf-8", len(records), bad_rows=0)


# --- cases ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFile:
    """How one month's case export looks."""

    format: str  # csv | xlsx
    encoding: str  # utf-8 | utf-8-sig | utf-16 | cp1258 | binary (xlsx)
    headers: str  # en | vi | en_upper | vi_upper | en_spaced | vi_spaced | vi_nfd
    timestamps: tuple[str, str, str]  # detected_at, triaged_at, closed_at: a TS_FORMATS key or "excel"
    mix: float = 0.0  # share of rows whose timestamps use another format
    shuffle: bool = False  # columns in another order
    crlf: bool = False
    extra: dict = field(default_factory=dict)


# One entry per month of the year, in order (a year touches 12 or 13 calendar months).
CASE_FILES: tuple[CaseFile, ...] = (
    CaseFile("csv", "utf-8", "en", ("iso_offset", "iso_offset", "iso_offset")),
    CaseFile("csv", "utf-8-sig", "vi", ("dmy_hm", "dmy_hm", "dmy_hm"), shuffle=True),
    CaseFile("csv", "cp1258", "vi", ("dmy_hms", "dmy_hms", "dmy_hms"), crlf=True),
    CaseFile("xlsx", "binary", "vi", ("excel", "excel", "excel")),
    CaseFile("csv", "utf-8", "en_upper", ("iso_z", "iso_z", "iso_z"), mix=0.1),
    CaseFile("csv", "utf-16", "vi_spaced", ("iso_local", "iso_local", "iso_local"), shuffle=True, crlf=True),
    CaseFile("csv", "utf-8", "vi_nfd", ("dmy_hm", "iso_offset", "iso_offset")),
    CaseFile("csv", "utf-8", "en", ("sql_local", "sql_local", "sql_local"), mix=0.15, shuffle=True),
    CaseFile("xlsx", "binary", "en_spaced", ("excel", "dmy_hm", "dmy_hm")),
    CaseFile("csv", "utf-16", "en", ("iso_offset", "iso_z", "iso_z"), crlf=True),
    CaseFile("csv", "cp1258", "vi_upper", ("dmy_hm", "dmy_hm", "dmy_hm"), shuffle=True, crlf=True),
    CaseFile("csv", "utf-8-sig", "en_spaced", ("iso_offset", "iso_offset", "iso_offset"), mix=0.1),
    CaseFile("csv", "utf-8", "vi", ("iso_offset", "dmy_hms", "dmy_hms"), shuffle=True),
)


def case_headers(style: str) -> list[str]:
    """The 13 case headers, in canonical order, as the file writes them."""
    names = list(CASE_HEADERS_VI) if style.startswith("vi") else list(CASE_COLUMNS)
    if style == "en_upper":
        return [n.upper() for n in names]
    if style == "vi_upper":
        return [n.upper() for n in names]
    if style == "en_spaced":
        return [f" {n.replace('_', ' ').capitalize()} " for n in names]
    if style == "vi_spaced":
        return [f"  {n.replace(' ', '  ', 1)} " for n in names]
    if style == "vi_nfd":
        return [unicodedata.normalize("NFD", n) for n in names]
    return names


_TEXT_SOURCES = {"platform": "platform_text", "category": "category_text", "severity": "severity_text"}
_TS_COLUMNS = {
    "detected_at": ("detected", "detected_raw"),
    "triaged_at": ("triaged", "triaged_raw"),
    "closed_at": ("closed", None),
}


def _case_text_columns(rows: pl.DataFrame, spec: CaseFile, rng: np.random.Generator) -> list[pl.Expr]:
    """The 13 columns as text, in canonical order (timestamps formatted, raw overrides applied)."""
    alt = _alt(rng, rows.height, spec.mix)
    exprs = []
    for column in CASE_COLUMNS:
        if column in _TS_COLUMNS:
            epoch, raw = _TS_COLUMNS[column]
            fmt = spec.timestamps[list(_TS_COLUMNS).index(column)]
            fmt = "iso_local" if fmt == "excel" else fmt  # date cells are written from the epoch instead
            text = ts_mixed(epoch, fmt, pl.lit(alt))
            exprs.append((pl.coalesce(raw, text) if raw else text).alias(column))
        elif column == "reach":
            exprs.append(pl.coalesce("reach_raw", pl.col("reach_value").cast(pl.String)).alias(column))
        else:
            exprs.append(pl.col(_TEXT_SOURCES.get(column, column)).alias(column))
    return exprs


def write_case_file(root: Path, month: str, rows: pl.DataFrame, spec: CaseFile, rng: np.random.Generator) -> dict:
    """One month of cases in the given layout; returns its manifest entry."""
    headers = case_headers(spec.headers)
    order = list(rng.permutation(len(CASE_COLUMNS))) if spec.shuffle else list(range(len(CASE_COLUMNS)))
    extension = "xlsx" if spec.format == "xlsx" else "csv"
    path = root / "cases" / f"cases_{month}.{extension}"
    if spec.format == "xlsx":
        _write_case_xlsx(path, rows, spec, headers, order, rng)
    else:
        frame = rows.select(_case_text_columns(rows, spec, rng)).select(
            pl.col(CASE_COLUMNS[i]).alias(headers[i]) for i in order
        )
        text = frame.write_csv(None, line_terminator="\r\n" if spec.crlf else "\n")
        if spec.headers == "vi_nfd":
            text = unicodedata.normalize("NFD", text)
        path.write_bytes(encode_text(text, spec.encoding))
    return _entry(
        path,
        root,
        "cases",
        spec.format,
        spec.encoding,
        rows.height,
        bad_rows=int(rows["bad_kind"].is_not_null().sum()),
        corrections=int(rows["correction"].sum()),
        header_style=spec.headers,
        columns=[headers[i] for i in order],
        timestamp_formats=dict(zip(("detected_at", "triaged_at", "closed_at"), spec.timestamps, strict=True)),
        mixed_timestamp_share=spec.mix,
    )


def _write_case_xlsx(
    path: Path, rows: pl.DataFrame, spec: CaseFile, headers: list[str], order: list[int], rng: np.random.Generator
) -> None:
    """Cases as a workbook: timestamps marked ``excel`` are real date cells in local time, reach is numeric."""
    import xlsxwriter

    text = rows.select(_case_text_columns(rows, spec, rng))
    serial = rows.select(
        ((pl.col(c) + LOCAL_OFFSET_S) / 86400.0 + EXCEL_EPOCH_DAYS).alias(c) for c in ("detected", "triaged", "closed")
    )
    excel = {name: serial[epoch] for name, (epoch, _) in zip(_TS_COLUMNS, _TS_COLUMNS.values(), strict=True)}
    raw = {"detected_at": rows["detected_raw"], "triaged_at": rows["triaged_raw"]}
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_urls": False, "strings_to_numbers": False}
    )
    # A fixed creation time keeps the file byte-identical between runs.
    workbook.set_properties({"title": "Concord demo cases", "author": "Concord demo", "created": datetime(2020, 1, 1)})
    sheet = workbook.add_worksheet("Vụ việc" if spec.headers.startswith("vi") else "Cases")
    date_cell = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    for col, i in enumerate(order):
        sheet.write_string(0, col, headers[i])
    kinds: list[tuple[str, list, list | None]] = []
    for i in order:
        name = CASE_COLUMNS[i]
        if name in excel and spec.timestamps[list(_TS_COLUMNS).index(name)] == "excel":
            kinds.append(("date", excel[name].to_list(), raw.get(name, pl.Series([None] * rows.height)).to_list()))
        elif name == "reach":
            kinds.append(("number", rows["reach_value"].to_list(), rows["reach_raw"].to_list()))
        else:
            kinds.append(("text", text[name].to_list(), None))
    for r in range(rows.height):  # a workbook is written cell by cell; two small months a year
        for col, (kind, values, overrides) in enumerate(kinds):
            if overrides is not None and overrides[r] is not None:
                sheet.write_string(r + 1, col, overrides[r])
            elif values[r] is None:
                continue
            elif kind == "date":
                sheet.write_number(r + 1, col, values[r], date_cell)
            elif kind == "number":
                sheet.write_number(r + 1, col, values[r])
            else:
                sheet.write_string(r + 1, col, values[r])
    workbook.close()


# --- referrals ------------------------------------------------------------------------------------------


def write_referral_file(root: Path, month: str, rows: pl.DataFrame, fmt: str, rng: np.random.Generator) -> dict:
    """One month of hand-offs as JSON Lines; malformed lines are broken copies of real ones."""
    alt = pl.lit(_alt(rng, rows.height, 0.08))
    ts = {"sent": "sent_at", "ack": "acknowledged_at", "completed": "completed_at"}
    record = rows.select(
        *(pl.col(c) for c in ("referral_id", "case_agency", "case_id", "from_agency", "to_agency")),
        pl.coalesce("sent_raw", ts_mixed("sent", fmt, alt)).alias("sent_at"),
        ts_mixed("ack", fmt, alt).alias(ts["ack"]),
        ts_mixed("completed", fmt, alt).alias(ts["completed"]),
        pl.col("outcome"),
        pl.col("line_raw"),
    )
    assert tuple(record.columns[:-1]) == REFERRAL_COLUMNS
    line = pl.struct(*REFERRAL_COLUMNS).struct.json_encode()
    broken = (
        pl.when(pl.col("line_raw") == "0")
        .then(line.str.slice(0, line.str.len_chars() * 3 // 5))
        .when(pl.col("line_raw") == "1")
        .then(line.str.replace_all('"', "'", literal=True))
        .otherwise(line.str.slice(1, line.str.len_chars() - 2))
    )
    lines = record.select(pl.when(pl.col("line_raw").is_not_null()).then(broken).otherwise(line))[:, 0]
    path = root / "referrals" / f"referrals_{month}.jsonl"
    path.write_bytes(("\n".join(lines.to_list()) + "\n").encode("utf-8"))
    return _entry(
        path,
        root,
        "referrals",
        "jsonl",
        "utf-8",
        rows.height,
        bad_rows=int(rows["bad_kind"].is_not_null().sum()),
        timestamp_format=fmt,
        mixed_timestamp_share=0.08,
    )


# --- platform actions -----------------------------------------------------------------------------------


def write_action_file(root: Path, month: str, rows: pl.DataFrame, fmt: str, rng: np.random.Generator) -> dict:
    """One month of takedown requests as UTF-8 CSV with English headers."""
    alt = pl.lit(_alt(rng, rows.height, 0.05))
    frame = rows.select(
        *(pl.col(c) for c in ("request_id", "case_agency", "case_id", "platform")),
        pl.coalesce("requested_raw", ts_mixed("requested", fmt, alt)).alias("requested_at"),
        ts_mixed("responded", fmt, alt).alias("responded_at"),
        pl.col("action"),
    )
    assert tuple(frame.columns) == ACTION_COLUMNS
    path = root / "platform_actions" / f"platform_actions_{month}.csv"
    path.write_bytes(frame.write_csv(None).encode("utf-8"))
    return _entry(
        path,
        root,
        "platform_actions",
        "csv",
        "utf-8",
        rows.height,
        bad_rows=int(rows["bad_kind"].is_not_null().sum()),
        timestamp_format=fmt,
        mixed_timestamp_share=0.05,
    )


# --- public responses -----------------------------------------------------------------------------------

NAMESPACE = "urn:concord:rss:1"
ATOM = "http://www.w3.org/2005/Atom"
_FEED_TITLE = "Đính chính và cảnh báo chính thức – Mạng lưới ứng phó thông tin xấu độc"
_FEED_DESCRIPTION = "Thông cáo, đính chính và cảnh báo của các cơ quan báo chí và kiểm chứng thông tin (dữ liệu demo)."
_NAMES = {a.code: a.name for a in AGENCIES}


def _local(t: int) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC).astimezone(LOCAL_TZ)


def write_feed(root: Path, month: str, rows: pl.DataFrame, atom: bool) -> dict:
    """One month of public responses as RSS 2.0 (or Atom), answered URLs in ``cc:respondsTo``."""
    records = rows.select("response_id", "link", "title", "published", "category_text", "publisher_code", "url").rows()
    latest = _local(max(r[3] for r in records))
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>']
    if atom:
        out += [
            f'<feed xmlns="{ATOM}" xmlns:cc="{NAMESPACE}" xml:lang="vi">',
            f"  <title>{escape(_FEED_TITLE)}</title>",
            f"  <id>urn:concord:public-responses:{month}</id>",
            f"  <updated>{latest.isoformat()}</updated>",
            '  <link href="https://ttbc.thanhpho.gov.vn/dinh-chinh" />',
        ]
        for response_id, link, title, published, category, publisher, urls in records:
            stamp = _local(published).isoformat()
            out += [
                "  <entry>",
                f"    <id>{escape(response_id)}</id>",
                f"    <title>{escape(title)}</title>",
                f'    <link rel="alternate" href={quoteattr(link)} />',
                f"    <published>{stamp}</published>",
                f"    <updated>{stamp}</updated>",
                f"    <category term={quoteattr(category)} />",
                f"    <author><name>{escape(_NAMES[publisher])}</name></author>",
                f"    <cc:agency>{publisher}</cc:agency>",
                *(f"    <cc:respondsTo>{escape(u)}</cc:respondsTo>" for u in urls),
                "  </entry>",
            ]
        out.append("</feed>")
    else:
        out += [
            f'<rss version="2.0" xmlns:cc="{NAMESPACE}">',
            "  <channel>",
            f"    <title>{escape(_FEED_TITLE)}</title>",
            "    <link>https://ttbc.thanhpho.gov.vn/dinh-chinh</link>",
            f"    <description>{escape(_FEED_DESCRIPTION)}</description>",
            "    <language>vi</language>",
            f"    <lastBuildDate>{format_datetime(latest)}</lastBuildDate>",
        ]
        for response_id, link, title, published, category, publisher, urls in records:
            out += [
                "    <item>",
                f'      <guid isPermaLink="false">{escape(response_id)}</guid>',
                f"      <link>{escape(link)}</link>",
                f"      <title>{escape(title)}</title>",
                f"      <pubDate>{format_datetime(_local(published))}</pubDate>",
                f"      <category>{escape(category)}</category>",
                f"      <cc:agency>{publisher}</cc:agency>",
                *(f"      <cc:respondsTo>{escape(u)}</cc:respondsTo>" for u in urls),
                "    </item>",
            ]
        out += ["  </channel>", "</rss>"]
    path = root / "public_responses" / f"public_responses_{month}.xml"
    path.write_bytes(("\n".join(out) + "\n").encode("utf-8"))
    return _entry(
        path,
        root,
        "public_responses",
        "atom" if atom else "rss",
        "utf-8",
        len(records),
        bad_rows=0,
        responds_to=sum(len(r[6]) for r in records),
    )


def write_manifest(root: Path, manifest: dict) -> None:
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
