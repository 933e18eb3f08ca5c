"""Loading one inbox file as one batch: exactly once, in one transaction, nothing lost.

Every input row ends in exactly one place — ``raw.<source>`` always, plus either ``staging.<source>``
(superseding any earlier row with the same key) or ``quarantine.rows`` with its reason codes — and
``audit.batches`` records ``rows_in = rows_loaded + rows_quarantined``. A file that cannot be read becomes a
rejected batch; a file whose SHA-256 was already loaded becomes a skipped one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from flows.readers import READERS, RejectedFile, normalise_header
from flows.sources import NOT_PLAIN, Source

LINEAGE_COLUMNS = ("batch_id", "source", "file_name", "file_sha256", "row_number", "ingested_at")


@dataclass(frozen=True)
class BatchResult:
    """What happened to one file (a row of ``audit.batches``)."""

    batch_id: str
    source: str
    file_name: str
    file_sha256: str
    status: str
    reason: str | None
    rows_in: int
    rows_loaded: int
    rows_quarantined: int


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_raw_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Create ``raw.<source>``: lineage columns then every source column as text."""
    columns = ", ".join(f"{c} VARCHAR" for c in source.columns)
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS raw.{source.name} (
            batch_id VARCHAR NOT NULL, source VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL, row_number BIGINT NOT NULL, ingested_at TIMESTAMPTZ NOT NULL, {columns})"""
    )


def canonical_frame(frame: pl.DataFrame, source: Source) -> tuple[pl.DataFrame, list[str]]:
    """The file's columns renamed to the source's names, absent optional ones as nulls; also the ignored headers."""
    if source.line_based:
        return frame.with_columns(pl.lit(False).alias("malformed")), []
    mapping = source.header_map()
    renames: dict[str, str] = {}
    ignored: list[str] = []
    for header in frame.columns:
        if header in ("row_number", "malformed"):
            continue
        canonical = mapping.get(normalise_header(header))
        if canonical is None:
            ignored.append(header)
        elif canonical in renames.values():
            raise RejectedFile("duplicate_columns", f"two columns map to {canonical}")
        else:
            renames[header] = canonical
    missing = [c for c in source.required if c not in renames.values()]
    if missing:
        raise RejectedFile("missing_columns", ", ".join(missing))
    malformed = pl.col("malformed") if "malformed" in frame.columns else pl.lit(False).alias("malformed")
    frame = frame.select(pl.col("row_number"), malformed, *(pl.col(h).alias(c) for h, c in renames.items()))
    absent = [c for c in source.columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.String).alias(c) for c in absent).select(
        "row_number", "malformed", *source.columns
    ), ignored


def _record(
    con: duckdb.DuckDBPyConnection,
    result: BatchResult,
    run_id: str | None,
    ignored: list[str],
    loaded_at: datetime,
    file_bytes: int,
) -> None:
    con.execute(
        "INSERT INTO audit.batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.batch_id,
            run_id,
            result.source,
            result.file_name,
            result.file_sha256,
            file_bytes,
            result.status,
            result.reason,
            result.rows_in,
            result.rows_loaded,
            result.rows_quarantined,
            ignored or None,
            loaded_at,
        ],
    )


def ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, source: Source, *, run_id: str | None = None, inbox: Path | None = None
) -> BatchResult:
    """Load one file as one batch (see the module docstring). The parsing macros must be installed on ``con``."""
    loaded_at = datetime.now(UTC)
    sha = file_sha256(path)
    name = str(path.relative_to(inbox)) if inbox else path.name
    batch_id = f"{source.name}-{loaded_at:%Y%m%dT%H%M%S%f}-{sha[:12]}"
    file_bytes = path.stat().st_size

    already = con.execute(
        "SELECT batch_id FROM audit.batches WHERE file_sha256 = ? AND status = 'loaded' LIMIT 1", [sha]
    ).fetchone()
    if already:
        result = BatchResult(batch_id, source.name, name, sha, "skipped", f"already loaded as {already[0]}", 0, 0, 0)
        _record(con, result, run_id, [], loaded_at, file_bytes)
        return result

    reader = READERS.get(path.suffix.lower())
    try:
        if reader is None:
            raise RejectedFile("wrong_format", f"no reader for '{path.suffix}' files")
        frame, ignored = canonical_frame(reader(path), source)
        if frame.is_empty():
            raise RejectedFile("no_rows", "the file has a header but no data rows")
    except RejectedFile as rejected:
        reason = f"{rejected.reason}: {rejected.detail}" if rejected.detail else rejected.reason
        result = BatchResult(batch_id, source.name, name, sha, "rejected", reason, 0, 0, 0)
        _record(con, result, run_id, [], loaded_at, file_bytes)
        return result

    incoming = frame.with_columns(
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(source.name).alias("source"),
        pl.lit(name).alias("file_name"),
        pl.lit(sha).alias("file_sha256"),
        pl.lit(loaded_at).alias("ingested_at"),
    )
    con.register("incoming", incoming)
    try:
        con.begin()
        counts = _load(con, source)
        result = BatchResult(batch_id, source.name, name, sha, "loaded", None, *counts)
        _record(con, result, run_id, ignored, loaded_at, file_bytes)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("incoming")
    return result


def _load(con: duckdb.DuckDBPyConnection, source: Source) -> tuple[int, int, int]:
    """Write raw, quarantine and staging rows for the registered ``incoming`` frame; return (in, loaded, quarantined).

    The protected rows are materialised once (``temp.src``); typing reads them once; the raw JSON of a row is
    built only for the rows that go to quarantine.
    """
    protect = ", ".join(f"{expr} AS {col}" for col, expr in source.protect.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE src AS SELECT * {f'REPLACE ({protect})' if protect else ''} FROM incoming"
    )
    lineage = ", ".join(LINEAGE_COLUMNS)
    columns = ", ".join(source.columns)
    con.execute(f"INSERT INTO raw.{source.name} ({lineage}, {columns}) SELECT {lineage}, {columns} FROM temp.src")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE typed AS
            SELECT * REPLACE (CASE WHEN malformed THEN list_append(reasons, 'malformed_row') ELSE reasons END AS reasons)
            FROM ({source.typing.sql(_plain_columns(con, source))})"""
    )
    raw_json = (
        "CASE WHEN json_valid(s.line) THEN s.line::JSON ELSE to_json(s.line) END"
        if source.line_based
        else f"to_json(struct_pack({', '.join(f'{c} := s.{c}' for c in source.columns)}))"
    )
    con.execute(
        f"""INSERT INTO quarantine.rows
            SELECT s.batch_id, s.source, s.row_number, t.reasons, {raw_json}
            FROM temp.typed t JOIN temp.src s USING (row_number) WHERE len(t.reasons) > 0"""
    )
    key = ", ".join(source.key)
    staging_columns = ", ".join(source.staging_columns)
    # A view, not a table: staging reads it once (public_responses' targets a second time, a small source).
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW good AS
            SELECT * FROM temp.typed WHERE len(reasons) = 0
            QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY row_number DESC) = 1"""
    )
    # A later row with the same key supersedes the earlier one (a correction); raw history keeps both.
    con.execute(
        f"DELETE FROM staging.{source.name} WHERE ({key}) IN (SELECT ({key}) FROM temp.typed WHERE len(reasons) = 0)"
    )
    con.execute(
        f"""INSERT INTO staging.{source.name} ({staging_columns}, batch_id, row_number)
            SELECT {staging_columns}, batch_id, row_number FROM temp.good"""
    )
    if source.name == "public_responses":
        _load_response_targets(con)
    row = con.execute(
        "SELECT count(*), count(*) FILTER (len(reasons) = 0), count(*) FILTER (len(reasons) > 0) FROM temp.typed"
    ).fetchone()
    assert row is not None
    con.execute("DROP VIEW IF EXISTS temp.good")
    for table in ("typed", "src"):
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return int(row[0]), int(row[1]), int(row[2])


def _plain_columns(con: duckdb.DuckDBPyConnection, source: Source) -> frozenset[str]:
    """The columns to clean whose every value in this batch (``temp.src``) is printable ASCII.

    ``clean_text`` only trims those; knowing it per batch (one scan) spares the per-row normalisation without a
    per-row ``CASE``, which doubles the cost of the other rows.
    """
    cleaned = source.typing.cleaned
    if not cleaned:
        return frozenset()
    if source.line_based:
        # JSON fields hold only printable ASCII when their line does and has no escape (a backslash).
        [(count,)] = con.execute(
            f"SELECT count(*) FILTER (regexp_matches(line, '{NOT_PLAIN}|\\\\')) FROM temp.src"
        ).fetchall()
        return frozenset(cleaned) if count == 0 else frozenset()
    # Cheap first: ASCII per column (bytes = characters), control characters in any column (one regex per row).
    ascii_ = ", ".join(f"bool_and(strlen({c}) = length({c}))" for c in cleaned)
    [(*is_ascii, controls)] = con.execute(
        f"SELECT {ascii_}, bool_or(regexp_matches(concat({', '.join(cleaned)}), '[\\x00-\\x1F\\x7F]')) FROM temp.src"
    ).fetchall()
    if not controls:  # NULL when every value is NULL: nothing to clean either
        return frozenset(c for c, a in zip(cleaned, is_ascii, strict=True) if a is not False)
    checks = ", ".join(f"count(*) FILTER (regexp_matches({c}, '{NOT_PLAIN}'))" for c in cleaned)
    [counts] = con.execute(f"SELECT {checks} FROM temp.src").fetchall()
    return frozenset(c for c, n in zip(cleaned, counts, strict=True) if n == 0)


def _load_response_targets(con: duckdb.DuckDBPyConnection) -> None:
    """The URLs each public response answers, one row per (response, URL), replaced with the response."""
    con.execute("DELETE FROM staging.public_response_targets WHERE response_id IN (SELECT response_id FROM temp.good)")
    con.execute(
        """INSERT INTO staging.public_response_targets
           SELECT response_id, url_masked(u), url_key(u) FROM (SELECT response_id, unnest(targets) AS u FROM temp.good)"""
    )
