"""The warehouse contract's migrations: a file written by an older version gains the new columns, keeping its rows."""

from __future__ import annotations

from concord.warehouse import connect, ensure_schema


def test_an_older_audit_runs_gains_the_flow_column_and_keeps_its_rows() -> None:
    con = connect(":memory:")
    con.execute("CREATE SCHEMA audit")
    con.execute(
        """CREATE TABLE audit.runs (run_id VARCHAR PRIMARY KEY, started_at TIMESTAMPTZ NOT NULL,
           finished_at TIMESTAMPTZ, as_of TIMESTAMPTZ NOT NULL, status VARCHAR NOT NULL, code_version VARCHAR,
           inbox VARCHAR)"""
    )
    con.execute("INSERT INTO audit.runs VALUES ('run-1', now(), now(), now(), 'completed', 'v', 'inbox')")
    ensure_schema(con)
    ensure_schema(con)  # idempotent
    assert con.execute("SELECT run_id, status, flow FROM audit.runs").fetchall() == [("run-1", "completed", None)]
