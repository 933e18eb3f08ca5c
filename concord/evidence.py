"""The evidence record of a run and its tamper-evident chain.

Each run leaves one record: what went in (files and their SHA-256), what came out (rows loaded, quarantined,
rejected; mart row counts), which suites judged it and which code ran. A record carries the SHA-256 of the
previous one, so changing, deleting or re-ordering any record breaks a link that ``verify_chain`` reports.

The hash is SHA-256 of the canonical JSON of the record (sorted keys, no whitespace, UTF-8), previous_sha256
included. The pure functions come first; the DuckDB I/O takes a connection.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

RECORD_VERSION = 2  # 2: the per-source volume checks of the run ("volume")
_BATCH_COLUMNS = (
    "batch_id",
    "source",
    "file_name",
    "file_sha256",
    "file_bytes",
    "status",
    "reason",
    "rows_in",
    "rows_loaded",
    "rows_quarantined",
)


@dataclass(frozen=True)
class EvidenceRow:
    """One row of ``audit.evidence``: the record as stored JSON text, its hash and the link to the previous one."""

    run_id: str
    created_at: datetime
    record: str
    record_sha256: str
    previous_sha256: str | None


@dataclass(frozen=True)
class Problem:
    """A broken link: the run whose evidence does not check out, and what differs."""

    run_id: str
    message: str


def canonical_json(record: Mapping[str, Any]) -> bytes:
    """The record as canonical JSON: sorted keys, no whitespace, UTF-8 (non-ASCII kept as is)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def record_sha256(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the record's canonical JSON."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


def build_record(
    *,
    run_id: str,
    as_of: datetime,
    started_at: datetime,
    finished_at: datetime,
    code_version: str,
    batches: Sequence[Mapping[str, Any]],
    validation: Sequence[Mapping[str, Any]],
    marts: Mapping[str, int],
    previous_sha256: str | None,
    volume: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The evidence record of one run (JSON-ready: text, integers, booleans and nulls only)."""
    files: list[dict[str, Any]] = sorted(
        ({c: batch.get(c) for c in _BATCH_COLUMNS} for batch in batches),
        key=lambda b: (b["source"], b["file_name"], b["batch_id"]),
    )
    totals = {"loaded": 0, "rejected": 0, "skipped": 0, "rows_in": 0, "rows_loaded": 0, "rows_quarantined": 0}
    for batch in files:
        totals[batch["status"]] += 1
        for column in ("rows_in", "rows_loaded", "rows_quarantined"):
            totals[column] += int(batch[column])
    suites = sorted(
        (
            {
                "suite": r["suite"],
                "suite_version": r["suite_version"],
                "table": r.get("table"),
                "success": bool(r["success"]),
                "evaluated": int(r["evaluated"]),
                "failed": int(r["failed"]),
            }
            for r in validation
        ),
        key=lambda s: s["suite"],
    )
    return {
        "record_version": RECORD_VERSION,
        "run_id": run_id,
        "as_of": as_of.isoformat(),
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "code_version": code_version,
        "files": files,
        "totals": totals,
        "suites": suites,
        "marts": {table: int(rows) for table, rows in sorted(marts.items())},
        "volume": sorted(
            (
                {
                    "source": v["source"],
                    "status": v["status"],
                    "rows_loaded": int(v["rows_loaded"]),
                    "reason": v.get("reason"),
                }
                for v in volume
            ),
            key=lambda v: v["source"],
        ),
        "previous_sha256": previous_sha256,
    }


def file_document(record: Mapping[str, Any], sha256: str) -> str:
    """The text of a record's JSON file: the record and its hash, indented for people to read."""
    return json.dumps({"record_sha256": sha256, "record": record}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Dotted paths where two JSON values differ (``files[0].rows_in: 10 != 11``)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}.{key}" if path else key
            if key not in expected or key not in actual:
                found.append(f"{where}: {'missing' if key not in actual else 'added'}")
            else:
                found += differences(expected[key], actual[key], where)
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(expected)} items != {len(actual)}"]
        return [
            d for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for d in differences(e, a, f"{path}[{i}]")
        ]
    if expected != actual or type(expected) is not type(actual):
        return [f"{path}: {json.dumps(expected, ensure_ascii=False)} != {json.dumps(actual, ensure_ascii=False)}"]
    return []


def verify_chain(rows: Sequence[EvidenceRow], files: Mapping[str, str] | None = None) -> list[Problem]:
    """Every problem with the chain, rows in chain order (oldest first); ``files`` maps run id → JSON file text.

    Checked: each record hashes to its stored hash, names its own run and links to the hash of the row before
    it (null for the first); each file present matches its row; no file is left without a row.
    """
    files = dict(files or {})
    problems: list[Problem] = []
    previous: EvidenceRow | None = None
    for row in rows:
        problems += _check_row(row, previous, files.pop(row.run_id, None))
        previous = row
    problems += [Problem(run_id, "evidence file has no row in audit.evidence (row deleted?)") for run_id in files]
    return problems


def _check_row(row: EvidenceRow, previous: EvidenceRow | None, file_text: str | None) -> list[Problem]:
    problems = []

    def problem(message: str) -> None:
        problems.append(Problem(row.run_id, message))

    try:
        record = json.loads(row.record)
    except ValueError as error:
        return [Problem(row.run_id, f"record is not valid JSON ({error})")]
    stored: dict[str, Any] | None = None
    if file_text is not None:
        try:
            document = json.loads(file_text)
            stored = document["record"]
            if document["record_sha256"] != row.record_sha256:
                problem(f"JSON file hash {document['record_sha256']} != row hash {row.record_sha256}")
            if record_sha256(stored) != document["record_sha256"]:
                problem("JSON file record does not hash to the file's record_sha256")
            for difference in differences(stored, record):
                problem(f"row differs from JSON file at {difference} (file != row)")
        except (ValueError, KeyError, TypeError) as error:
            problem(f"JSON file is unreadable ({error!r})")
    recomputed = record_sha256(record)
    if recomputed != row.record_sha256:
        problem(f"record hash mismatch: stored {row.record_sha256}, recomputed {recomputed}")
    if record.get("run_id") != row.run_id:
        problem(f"record names run {record.get('run_id')!r}, its row {row.run_id!r}")
    if record.get("previous_sha256") != row.previous_sha256:
        problem(f"record's previous_sha256 {record.get('previous_sha256')} != row's {row.previous_sha256}")
    expected = previous.record_sha256 if previous else None
    if record.get("previous_sha256") != expected:
        before = f"previous record (run {previous.run_id}) has {expected}" if previous else "first record links to null"
        problem(f"chain broken: previous_sha256 is {record.get('previous_sha256')} but the {before}")
    return problems


# --- DuckDB and file I/O (connection passed in) ---


def run_batches(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """The run's rows of ``audit.batches`` as dicts (the evidence's input files)."""
    result = con.execute(
        f"SELECT {', '.join(_BATCH_COLUMNS)} FROM audit.batches WHERE run_id = ? ORDER BY source, file_name, batch_id",
        [run_id],
    ).fetchall()
    return [dict(zip(_BATCH_COLUMNS, row, strict=True)) for row in result]


def read_chain(con: duckdb.DuckDBPyConnection) -> list[EvidenceRow]:
    """Every row of ``audit.evidence`` in chain order (oldest first)."""
    result = con.execute(
        "SELECT run_id, created_at, record::VARCHAR, record_sha256, previous_sha256 FROM audit.evidence "
        "ORDER BY created_at, run_id"
    ).fetchall()
    return [EvidenceRow(*row) for row in result]


def read_files(evidence_dir: Path) -> dict[str, str]:
    """The text of every evidence JSON file in ``evidence_dir``, by run id (empty if the folder is missing)."""
    if not evidence_dir.is_dir():
        return {}
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(evidence_dir.glob("*.json"))}


def write_evidence(
    con: duckdb.DuckDBPyConnection, record_fields: Mapping[str, Any], evidence_dir: Path, created_at: datetime
) -> tuple[dict[str, Any], str, Path]:
    """Chain a new record to the last one, insert it into ``audit.evidence`` and write its JSON file.

    ``record_fields`` are ``build_record``'s arguments except ``batches`` (read from ``audit.batches``) and
    ``previous_sha256`` (read from the chain). Row and file are written in one transaction: a failed file write
    leaves no row.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        last = con.execute(
            "SELECT record_sha256 FROM audit.evidence ORDER BY created_at DESC, run_id DESC LIMIT 1"
        ).fetchall()
        record = build_record(
            **record_fields,
            batches=run_batches(con, record_fields["run_id"]),
            previous_sha256=last[0][0] if last else None,
        )
        sha = record_sha256(record)
        con.execute(
            "INSERT INTO audit.evidence VALUES (?, ?, ?, ?, ?)",
            [record["run_id"], created_at, canonical_json(record).decode("utf-8"), sha, record["previous_sha256"]],
        )
        path = _write_file(evidence_dir / f"{record['run_id']}.json", file_document(record, sha))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return record, sha, path


def _write_file(path: Path, text: str) -> Path:
    """Write atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
