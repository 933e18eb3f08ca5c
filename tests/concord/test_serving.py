"""The serving copy carries audit.lineage: rows per (staged table, batch), computed at publish time."""

from __future__ import annotations

from pathlib import Path

import duckdb

from concord.serving import LINEAGE_TABLE, SERVED_TABLES, publish
from concord.warehouse import ensure_schema


def test_publish_counts_each_staged_tables_rows_per_batch(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    ensure_schema(con)
    con.execute(
        """
        INSERT INTO staging.cases
        SELECT 'A01', 'C' || i, now(), 'u', 'u', 'web', 'other', 1, NULL, 'open', NULL, NULL, NULL, NULL,
               CASE WHEN i < 3 THEN 'b1' ELSE 'b2' END, i
        FROM range(5) r(i)
        """
    )
    con.execute("INSERT INTO staging.public_responses VALUES ('g1', NULL, NULL, now(), NULL, 'b3', 1)")
    con.execute("INSERT INTO staging.public_response_targets VALUES ('g1', 'u1', 'u1'), ('g1', 'u2', 'u2')")

    target = publish(con, tmp_path / "serving.duckdb")

    assert LINEAGE_TABLE not in SERVED_TABLES  # computed, not copied
    with duckdb.connect(str(target), read_only=True) as served:
        rows = served.execute(f"SELECT * FROM {LINEAGE_TABLE} ORDER BY ALL").fetchall()
        staged = served.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staging'")
        assert staged.fetchall() == [(1,)]  # only staging.agencies is copied, not the staged rows themselves
    assert rows == [
        ("staging.cases", "b1", 3),
        ("staging.cases", "b2", 2),
        ("staging.public_response_targets", "b3", 2),
        ("staging.public_responses", "b3", 1),
    ]


def test_publish_without_staged_rows_gives_an_empty_lineage(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    ensure_schema(con)
    target = publish(con, tmp_path / "serving.duckdb")
    with duckdb.connect(str(target), read_only=True) as served:
        assert served.execute(f"SELECT count(*) FROM {LINEAGE_TABLE}").fetchall() == [(0,)]
