"""File readers: each turns one inbox file into a frame of text columns plus ``row_number``.

Readers only decode and split; every value stays text so that nothing is lost before the SQL parsing rules
run. A file that cannot be read at all raises :class:`RejectedFile` with a reason code.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import time
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl

RESPONDS_TO = "{urn:concord:rss:1}respondsTo"
_SNIFF_BYTES = 64 * 1024


class RejectedFile(Exception):
    """A whole file that cannot be loaded; ``reason`` is the code recorded in ``audit.batches``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def normalise_header(name: str) -> str:
    """A header as a lookup key: NFC, BOM and invisible characters gone, lower case, single spaces."""
    name = unicodedata.normalize("NFC", name).replace("\ufeff", "").replace("\u00a0", " ")
    return " ".join(name.replace("_", " ").split()).lower()


def detect_encoding(head: bytes) -> str:
    """The text encoding of a file from its first bytes: a BOM decides; else UTF-8 if valid, else Windows-1258."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\0" in head:
        raise RejectedFile("binary_file", "NUL bytes in a text file")
    try:
        # An incremental decoder tolerates a multi-byte character cut at the sniff boundary.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1258"


def _decoded_utf8(path: Path) -> bytes | Path:
    """The file as UTF-8: the path itself when it already is, else its bytes transcoded."""
    return _decoded(path)[0]


def _decoded(path: Path) -> tuple[bytes | Path, bool]:
    """The file as UTF-8 (see :func:`_decoded_utf8`) and whether it was cut off inside its last character."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise RejectedFile("empty_file")
    encoding = detect_encoding(head)
    raw = path.read_bytes()
    if encoding == "utf-8":
        try:
            raw.decode("utf-8")
            return path, False
        except UnicodeDecodeError:
            if _cut_mid_character(raw):  # a UTF-8 file cut off inside its last character, not a legacy one
                return raw.decode("utf-8", errors="replace").encode("utf-8"), True
            encoding = "cp1258"  # valid at the start only: a legacy file after all
    try:
        text = raw.decode(encoding, errors="strict") if encoding != "cp1258" else raw.decode("cp1258", errors="replace")
    except UnicodeDecodeError as exc:  # e.g. a UTF-16 file with an odd byte count or a lone surrogate
        raise RejectedFile("bad_encoding", f"not valid {encoding}: {exc.reason}") from exc
    if "\0" in text:
        raise RejectedFile("binary_file", "NUL characters after decoding")
    return text.encode("utf-8"), False


def _cut_mid_character(raw: bytes) -> bool:
    """Whether ``raw`` is valid UTF-8 except for an incomplete multi-byte character at its very end."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _with_row_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index("row_number", offset=1).with_columns(pl.col("row_number").cast(pl.Int64))


def read_csv(path: Path) -> pl.DataFrame:
    """A delimited text file in any supported encoding, every cell as text, plus a ``malformed`` flag per row.

    Well-formed files take Polars' parallel reader. When it refuses a file (a row with too many fields, a quote
    never closed, as in a file cut off mid-row), the file is read again leniently so that every good row still
    loads and only the broken rows are quarantined (``malformed_row``).
    """
    source, cut = _decoded(path)
    data = source if isinstance(source, Path) else io.BytesIO(source)
    try:
        frame = pl.read_csv(data, infer_schema=False, truncate_ragged_lines=False, raise_if_empty=True)
        frame = _with_row_numbers(frame).with_columns(pl.lit(False).alias("malformed"))
    except pl.exceptions.NoDataError as exc:
        raise RejectedFile("empty_file", str(exc)) from exc
    except pl.exceptions.ComputeError:
        text = source.read_text("utf-8") if isinstance(source, Path) else source.decode("utf-8")
        frame = _read_csv_leniently(text)
    if cut:  # the file ends inside a character: its last row is certainly incomplete
        frame = frame.with_columns(pl.col("malformed") | (pl.col("row_number") == frame.height))
    return frame


def _read_csv_leniently(text: str) -> pl.DataFrame:
    """The slow path for broken files only: Python's csv module, rows of the wrong width flagged, none dropped."""
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=False))  # a lone \r ends a row
    if not rows:
        raise RejectedFile("empty_file")
    header, body = rows[0], [r for r in rows[1:] if r]
    width = len(header)
    frame = pl.DataFrame(
        {name: [r[i] if i < len(r) and r[i] != "" else None for r in body] for i, name in enumerate(header)},
        schema={name: pl.String for name in header},
    )
    frame = frame.with_columns(pl.Series("malformed", [len(r) != width for r in body], dtype=pl.Boolean))
    return _with_row_numbers(frame)


def read_xlsx(path: Path) -> pl.DataFrame:
    """The first sheet of a workbook, every cell as text; Excel date cells become ISO local timestamps."""
    try:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0, raise_if_empty=False)
    except Exception as exc:  # fastexcel raises its own exception types for corrupt workbooks
        raise RejectedFile("unreadable_xlsx", str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    frame = frame.with_columns(
        pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%S") if frame.schema[c].is_temporal() else pl.col(c).cast(pl.String)
        for c in frame.columns
    )
    return _with_row_numbers(frame)


def read_jsonl(path: Path) -> pl.DataFrame:
    """JSON Lines as one text column ``line`` per non-blank line; SQL extracts the fields and flags bad JSON."""
    source = _decoded_utf8(path)
    text = source.read_text("utf-8") if isinstance(source, Path) else source.decode("utf-8")
    lines = pl.Series("line", text.splitlines(), dtype=pl.String)
    frame = _with_row_numbers(lines.to_frame()).filter(pl.col("line").str.strip_chars() != "")
    if frame.is_empty():
        raise RejectedFile("empty_file", "no JSON lines")
    return frame


def read_yaml(path: Path) -> pl.DataFrame:
    """A YAML list of mappings (reference data), every value as text."""
    import yaml

    try:
        docs = yaml.safe_load(path.read_text("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RejectedFile("unreadable_yaml", str(exc).splitlines()[0]) from exc
    if isinstance(docs, dict) and len(docs) == 1:  # `agencies: [...]` is accepted as well as a bare list
        docs = next(iter(docs.values()))
    if not docs:
        raise RejectedFile("empty_file")
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise RejectedFile("wrong_format", "expected a list of mappings")
    columns = list(dict.fromkeys(k for d in docs for k in d))
    frame = pl.DataFrame(
        {str(c): [None if d.get(c) is None else str(d.get(c)) for d in docs] for c in columns},
        schema={str(c): pl.String for c in columns},
    )
    return _with_row_numbers(frame)


def read_feed(path: Path) -> pl.DataFrame:
    """RSS 2.0 or Atom entries: id, link, title, published, category and the ``cc:respondsTo`` URLs (JSON list).

    feedparser reads the standard fields of both dialects; it keeps only the last of repeated elements in an
    unknown namespace, so the ``cc:respondsTo`` list is read with ElementTree from the same bytes.
    """
    import feedparser

    data = path.read_bytes()
    if not data.strip():
        raise RejectedFile("empty_file")
    # Both parsers raise more than their own errors on broken bytes (found by the property test in
    # tests/flows/test_bad_inputs.py): feedparser a UnicodeDecodeError or "embedded null character" while it
    # guesses the encoding, ElementTree a LookupError for an unknown encoding in the XML declaration.
    try:
        parsed = feedparser.parse(data)
    except (UnicodeError, ValueError, LookupError) as exc:
        raise RejectedFile("unreadable_feed", f"{type(exc).__name__}: {exc}") from exc
    if parsed.bozo and not parsed.entries:
        raise RejectedFile("unreadable_feed", str(parsed.get("bozo_exception", "not RSS or Atom")))
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise RejectedFile("unreadable_feed", str(exc)) from exc
    except (UnicodeError, ValueError, LookupError) as exc:
        raise RejectedFile("unreadable_feed", f"{type(exc).__name__}: {exc}") from exc
    items = [el for el in root.iter() if el.tag in ("item", "{http://www.w3.org/2005/Atom}entry")]
    if len(items) != len(parsed.entries):
        raise RejectedFile("unreadable_feed", "entry count differs between parsers")
    rows = []
    for entry, item in zip(parsed.entries, items, strict=True):
        targets = [el.text.strip() for el in item.iter(RESPONDS_TO) if el.text and el.text.strip()]
        rows.append(
            {
                "response_id": entry.get("id") or entry.get("guid"),
                "link": entry.get("link"),
                "title": entry.get("title"),
                # feedparser gives the parsed time in UTC; the raw text is kept when it could not parse it.
                "published": _iso_utc(
                    entry.get("published_parsed") or (entry.get("updated_parsed") if "updated" in entry else None)
                )
                or entry.get("published")
                or entry.get("updated"),
                "category": entry.get("category") or (entry.get("tags") or [{}])[0].get("term"),
                "responds_to": json.dumps(targets, ensure_ascii=False),
            }
        )
    if not rows:
        raise RejectedFile("empty_file", "no entries")
    return _with_row_numbers(pl.DataFrame(rows, schema={k: pl.String for k in rows[0]}))


def _iso_utc(parsed: time.struct_time | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed) if parsed else None


READERS = {
    ".csv": read_csv,
    ".txt": read_csv,
    ".xlsx": read_xlsx,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".yaml": read_yaml,
    ".yml": read_yaml,
    ".xml": read_feed,
    ".rss": read_feed,
    ".atom": read_feed,
}
