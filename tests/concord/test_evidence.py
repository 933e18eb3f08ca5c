"""The evidence record's canonical hash and chain: every kind of tampering is reported."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from concord.evidence import (
    EvidenceRow,
    build_record,
    canonical_json,
    file_document,
    read_chain,
    read_files,
    record_sha256,
    verify_chain,
    write_evidence,
)

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
BATCH = {
    "batch_id": "b1",
    "source": "cases",
    "file_name": "cases/a.csv",
    "file_sha256": "ab" * 32,
    "file_bytes": 120,
    "status": "loaded",
    "reason": None,
    "rows_in": 10,
    "rows_loaded": 9,
    "rows_quarantined": 1,
}
SUITE = {"suite": "cases", "table": "staging.cases", "suite_version": "1", "success": True, "evaluated": 5, "failed": 0}


def record(run_id: str, previous: str | None, batches: list[dict] | None = None) -> dict:
    return build_record(
        run_id=run_id,
        as_of=T0,
        started_at=T0,
        finished_at=T0 + timedelta(seconds=5),
        code_version="0.1.0+abc",
        batches=[BATCH] if batches is None else batches,
        validation=[SUITE],
        marts={"marts.case_facts": 9},
        previous_sha256=previous,
    )


def chain(n: int) -> tuple[list[EvidenceRow], dict[str, str]]:
    """n chained rows and their JSON files, as the pipeline writes them."""
    rows, files, previous = [], {}, None
    for i in range(n):
        rec = record(f"run-{i}", previous)
        sha = record_sha256(rec)
        rows.append(EvidenceRow(f"run-{i}", T0 + timedelta(hours=i), canonical_json(rec).decode(), sha, previous))
        files[f"run-{i}"] = file_document(rec, sha)
        previous = sha
    return rows, files


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_utf8() -> None:
    result = canonical_json({"b": 1, "a": {"y": [1, 2], "x": "Hà Nội"}})
    assert result == '{"a":{"x":"Hà Nội","y":[1,2]},"b":1}'.encode()


def test_the_hash_ignores_key_order_and_covers_every_value() -> None:
    assert record_sha256({"a": 1, "b": 2}) == record_sha256({"b": 2, "a": 1})
    assert record_sha256({"a": 1, "b": 2}) != record_sha256({"a": 1, "b": 3})
    assert record_sha256({"a": None}) != record_sha256({"a": "null"})
    # Known answer: SHA-256 of b'{"a":1}'.
    assert record_sha256({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


def test_the_record_totals_its_batches() -> None:
    skipped = {**BATCH, "batch_id": "b2", "file_name": "cases/b.csv", "status": "skipped", "rows_in": 0}
    skipped |= {"rows_loaded": 0, "rows_quarantined": 0}
    result = record("run-0", None, [skipped, BATCH])
    assert result["totals"] == {
        "loaded": 1,
        "rejected": 0,
        "skipped": 1,
        "rows_in": 10,
        "rows_loaded": 9,
        "rows_quarantined": 1,
    }
    assert [f["batch_id"] for f in result["files"]] == ["b1", "b2"]
    assert result["suites"] == [SUITE]
    assert result["previous_sha256"] is None
    json.loads(canonical_json(result))  # JSON-ready


def test_an_intact_chain_verifies() -> None:
    rows, files = chain(3)
    assert verify_chain(rows, files) == []
    assert verify_chain(rows) == []  # the JSON files are optional


def test_a_tampered_record_is_reported() -> None:
    rows, files = chain(3)
    tampered = json.loads(rows[1].record)
    tampered["totals"]["rows_quarantined"] = 0
    rows[1] = replace(rows[1], record=json.dumps(tampered))
    problems = verify_chain(rows, files)
    assert {p.run_id for p in problems} == {"run-1"}
    messages = " ".join(p.message for p in problems)
    assert "record hash mismatch" in messages
    assert "totals.rows_quarantined: 1 != 0" in messages
    # Without the files, the hash alone still catches it.
    assert [p.run_id for p in verify_chain(rows)] == ["run-1"]


def test_a_tampered_record_with_a_recomputed_hash_breaks_the_next_link() -> None:
    rows, _ = chain(3)
    tampered = json.loads(rows[1].record)
    tampered["totals"]["rows_in"] = 99
    rows[1] = replace(rows[1], record=canonical_json(tampered).decode(), record_sha256=record_sha256(tampered))
    assert [(p.run_id, p.message.split(":")[0]) for p in verify_chain(rows)] == [("run-2", "chain broken")]


def test_a_deleted_middle_record_is_reported() -> None:
    rows, files = chain(3)
    del rows[1]
    problems = verify_chain(rows, files)
    assert ("run-2", True) in {(p.run_id, p.message.startswith("chain broken")) for p in problems}
    assert any(p.run_id == "run-1" and "no row" in p.message for p in problems)
    assert [p.run_id for p in verify_chain(rows)] == ["run-2"]


def test_a_deleted_first_record_is_reported() -> None:
    rows, _ = chain(2)
    assert [p.run_id for p in verify_chain(rows[1:])] == ["run-1"]


def test_a_reordered_chain_is_reported() -> None:
    rows, _ = chain(3)
    rows[1], rows[2] = rows[2], rows[1]
    problems = verify_chain(rows)
    assert {p.run_id for p in problems} == {"run-1", "run-2"}
    assert all(p.message.startswith("chain broken") for p in problems)


def test_a_tampered_json_file_is_reported() -> None:
    rows, files = chain(2)
    document = json.loads(files["run-0"])
    document["record"]["code_version"] = "9.9.9"
    files["run-0"] = json.dumps(document)
    problems = verify_chain(rows, files)
    assert {p.run_id for p in problems} == {"run-0"}
    messages = " ".join(p.message for p in problems)
    assert "code_version" in messages and "does not hash" in messages


def test_an_unreadable_json_file_is_reported() -> None:
    rows, files = chain(1)
    files["run-0"] = "{not json"
    assert [p.run_id for p in verify_chain(rows, files)] == ["run-0"]


@pytest.fixture
def evidence_con(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.executemany(
        "INSERT INTO audit.batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, [], ?)",
        [[f"b-{run_id}", run_id, *(BATCH[c] for c in list(BATCH)[1:]), T0] for run_id in ("run-0", "run-1")],
    )
    return con


def test_write_evidence_chains_rows_and_files(evidence_con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    fields = {
        "as_of": T0,
        "started_at": T0,
        "finished_at": T0,
        "code_version": "x",
        "validation": [SUITE],
        "marts": {"marts.case_facts": 9},
    }
    first, first_sha, _ = write_evidence(evidence_con, {**fields, "run_id": "run-0"}, tmp_path, T0)
    second, second_sha, path = write_evidence(
        evidence_con, {**fields, "run_id": "run-1"}, tmp_path, T0 + timedelta(hours=1)
    )
    assert first["previous_sha256"] is None and second["previous_sha256"] == first_sha
    assert [f["batch_id"] for f in second["files"]] == ["b-run-1"]
    assert json.loads(path.read_text())["record_sha256"] == second_sha
    rows = read_chain(evidence_con)
    assert [r.run_id for r in rows] == ["run-0", "run-1"]
    assert verify_chain(rows, read_files(tmp_path)) == []
    evidence_con.execute("UPDATE audit.evidence SET created_at = created_at + INTERVAL 2 HOUR WHERE run_id = 'run-0'")
    assert verify_chain(read_chain(evidence_con), read_files(tmp_path))
