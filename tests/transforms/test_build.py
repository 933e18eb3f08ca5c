"""build_marts against an in-memory warehouse: staging rows in, every mart replaced in one transaction, reruns identical."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import transforms.build
from concord.serving import SERVED_TABLES
from concord.warehouse import connect, ensure_schema
from transforms.backlog import BACKLOG_DAILY_SCHEMA, backlog_daily
from transforms.build import build_marts
from transforms.case_facts import CASE_FACTS_SCHEMA
from transforms.handoffs import HANDOFFS_SCHEMA
from transforms.hotspots import HOTSPOTS_SCHEMA
from transforms.kpi_daily import KPI_DAILY_SCHEMA
from transforms.platforms import PLATFORM_REQUESTS_SCHEMA
from transforms.public_responses import PUBLIC_RESPONSE_COVERAGE_SCHEMA
from transforms.recurrence import RECURRENCE_SCHEMA

SLA_HOURS = {4: 4.0, 3: 24.0, 2: 72.0, 1: 168.0}
# 2024-03-04 10:00 local (UTC+07:00): the last reported local day is 4 Mar.
AS_OF = datetime(2024, 3, 4, 3, 0, tzinfo=UTC)

# Each mart, its Polars schema, and a stable order for comparing its rows.
MARTS = {
    "marts.case_facts": (CASE_FACTS_SCHEMA, "agency_code, case_id"),
    "marts.kpi_daily": (KPI_DAILY_SCHEMA, "day, agency_code, category, severity, platform"),
    "marts.handoffs": (HANDOFFS_SCHEMA, "referral_id"),
    "marts.platform_requests": (PLATFORM_REQUESTS_SCHEMA, "request_id"),
    "marts.backlog_daily": (BACKLOG_DAILY_SCHEMA, "day, agency_code, category, severity, platform, age_bucket"),
    "marts.public_response_coverage": (PUBLIC_RESPONSE_COVERAGE_SCHEMA, "agency_code, case_id"),
    "marts.recurrence": (RECURRENCE_SCHEMA, "url_key"),
    "marts.hotspots": (HOTSPOTS_SCHEMA, "category, day"),
}

STAGING = """
INSERT INTO staging.cases
    (agency_code, case_id, detected_at, url, url_key, platform, category, severity, reach, status,
     triaged_at, closed_at, batch_id, row_number)
VALUES
    -- 1 Mar 09:00 local; triaged after 1 h, removed after 3 h (critical: met), closed after 24 h.
    ('A', '1', '2024-03-01 02:00:00+00', 'https://x.com/s', 'x.com/s', 'x', 'scam_fraud', 4, 10, 'closed',
     '2024-03-01 03:00:00+00', '2024-03-02 02:00:00+00', 'b1', 1),
    -- 2 Mar 09:00 local, same item, another agency, 24 h later, no referral: uncoordinated duplicate;
    -- and detected after the removal of A/1: a recurrence of x.com/s.
    ('B', '9', '2024-03-02 02:00:00+00', 'https://www.x.com/s/', 'x.com/s', 'x', 'scam_fraud', 4, NULL, 'open',
     NULL, NULL, 'b1', 2),
    -- 2 Mar 07:00 local: wide-reach health misinformation, answered publicly 24 h later.
    ('C', '5', '2024-03-02 00:00:00+00', 'https://fb.com/fake', 'fb.com/fake', 'facebook', 'health_misinfo', 2,
     20000, 'referred', NULL, NULL, 'b1', 3),
    -- Detected after as_of: not in the marts.
    ('A', '2', '2024-03-05 00:00:00+00', 'https://y.vn', 'y.vn', 'website', 'phishing', 1, NULL, 'open',
     NULL, NULL, 'b1', 4);
INSERT INTO staging.platform_actions
    (request_id, case_agency, case_id, platform, requested_at, responded_at, action, batch_id, row_number)
VALUES
    ('r1', 'A', '1', 'x', '2024-03-01 02:30:00+00', '2024-03-01 05:00:00+00', 'removed', 'b2', 1),
    ('r2', 'B', '9', 'x', '2024-03-02 03:00:00+00', '2024-03-02 04:00:00+00', 'no_violation', 'b2', 2),
    ('r3', 'C', '5', 'facebook', '2024-03-02 01:00:00+00', NULL, 'pending', 'b2', 3);
INSERT INTO staging.referrals
    (referral_id, case_agency, case_id, from_agency, to_agency, sent_at, acknowledged_at, completed_at, outcome,
     batch_id, row_number)
VALUES
    -- C hands its case to D (acknowledged after 30 min), D sends it back (never acknowledged): ping-pong, stalled.
    ('h1', 'C', '5', 'C', 'D', '2024-03-02 01:00:00+00', '2024-03-02 01:30:00+00', NULL, 'returned', 'b3', 1),
    ('h2', 'C', '5', 'D', 'C', '2024-03-02 02:00:00+00', NULL, NULL, NULL, 'b3', 2);
INSERT INTO staging.public_responses (response_id, link, title, published_at, category, batch_id, row_number)
VALUES ('p1', 'https://moh.gov.vn/p1', 'Cải chính', '2024-03-03 00:00:00+00', 'health', 'b4', 1);
INSERT INTO staging.public_response_targets (response_id, url, url_key)
VALUES ('p1', 'https://fb.com/fake', 'fb.com/fake');
"""

EXPECTED_COUNTS = {
    "marts.case_facts": 3,
    # A: 1 Mar only (closed on 2 Mar); B and C: 2, 3 and 4 Mar.
    "marts.kpi_daily": 7,
    "marts.handoffs": 2,
    "marts.platform_requests": 3,
    # A: 1 Mar (0-1d); B and C: 2 Mar (0-1d), 3 and 4 Mar (1-3d).
    "marts.backlog_daily": 7,
    "marts.public_response_coverage": 1,
    "marts.recurrence": 1,
    # scam_fraud and health_misinfo, each 1..4 Mar.
    "marts.hotspots": 8,
}


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory warehouse with the staging rows above."""
    con = connect(":memory:")
    ensure_schema(con)
    con.execute(STAGING)
    yield con
    con.close()


def mart(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """A mart's rows in a stable order."""
    rows: pl.DataFrame = con.sql(f"SELECT * FROM {table} ORDER BY {MARTS[table][1]}").pl()
    return rows


def test_build_marts_writes_every_mart(con: duckdb.DuckDBPyConnection) -> None:
    counts = build_marts(con, AS_OF, SLA_HOURS)

    assert counts == EXPECTED_COUNTS
    for table, expected in EXPECTED_COUNTS.items():
        assert con.execute(f"SELECT count(*), count(DISTINCT as_of) FROM {table}").fetchall() == [(expected, 1)]

    facts = mart(con, "marts.case_facts")
    assert facts.select(
        "agency_code",
        "case_id",
        "time_to_triage_h",
        "time_to_action_h",
        "time_to_close_h",
        "sla_status",
        "is_uncoordinated_duplicate",
        "referrals",
        "outcome",
    ).rows() == [
        ("A", "1", 1.0, 3.0, 24.0, "met", False, 0, "actioned"),
        # no_violation is not enforcement; 49 h old at as_of > 4 h: breached.
        ("B", "9", None, None, None, "breached", True, 0, "open"),
        # Medium (72 h): 51 h old at as_of, pending.
        ("C", "5", None, None, None, "pending", False, 2, "open"),
    ]
    assert facts["as_of"].unique().to_list() == [AS_OF]

    kpi = mart(con, "marts.kpi_daily")
    assert kpi.select(
        "day", "agency_code", "cases_detected", "cases_actioned", "duplicates", "backlog_open"
    ).rows() == [
        (date(2024, 3, 1), "A", 1, 1, 0, 1),
        # A closed at 09:00 local on 2 Mar; B and C opened that day and stay open.
        (date(2024, 3, 2), "B", 1, 0, 1, 1),
        (date(2024, 3, 2), "C", 1, 0, 0, 1),
        (date(2024, 3, 3), "B", 0, 0, 0, 1),
        (date(2024, 3, 3), "C", 0, 0, 0, 1),
        (date(2024, 3, 4), "B", 0, 0, 0, 1),
        (date(2024, 3, 4), "C", 0, 0, 0, 1),
    ]

    handoffs = mart(con, "marts.handoffs")
    assert handoffs.select("referral_id", "category", "ack_latency_h", "is_stalled", "is_ping_pong").rows() == [
        ("h1", "health_misinfo", 0.5, False, False),
        ("h2", "health_misinfo", None, True, True),
    ]
    requests = mart(con, "marts.platform_requests")
    assert requests.select("request_id", "response_h", "is_enforcement", "counts_for_rate").rows() == [
        ("r1", 2.5, True, True),
        ("r2", 1.0, False, True),
        ("r3", None, False, False),
    ]
    assert mart(con, "marts.backlog_daily").filter(pl.col("agency_code") == "B").select(
        "day", "age_bucket", "open_cases"
    ).rows() == [(date(2024, 3, 2), "0-1d", 1), (date(2024, 3, 3), "1-3d", 1), (date(2024, 3, 4), "1-3d", 1)]
    assert mart(con, "marts.public_response_coverage").select(
        "agency_code", "time_to_response_h", "covered_within_48h"
    ).rows() == [("C", 24.0, True)]
    assert mart(con, "marts.recurrence").select("url_key", "recurrences").rows() == [("x.com/s", 1)]
    assert mart(con, "marts.hotspots").filter(pl.col("is_hotspot")).height == 0


def test_every_mart_schema_matches_the_ddl(con: duckdb.DuckDBPyConnection) -> None:
    # build_marts inserts BY NAME: a column the DDL lacks would fail, one the transform lacks would be NULL.
    duckdb_types = {
        "VARCHAR": pl.String(),
        "TINYINT": pl.Int8(),
        "BIGINT": pl.Int64(),
        "DOUBLE": pl.Float64(),
        "BOOLEAN": pl.Boolean(),
        "DATE": pl.Date(),
        "TIMESTAMP WITH TIME ZONE": pl.Datetime("us", "UTC"),
    }
    for table, (schema, _) in MARTS.items():
        schema_name, table_name = table.split(".")
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema_name, table_name],
        ).fetchall()
        assert [(name, duckdb_types[kind]) for name, kind in columns] == list(schema.items()), table


def test_every_mart_is_served() -> None:
    assert set(MARTS) <= set(SERVED_TABLES)


def test_build_marts_keeps_the_contract_types(con: duckdb.DuckDBPyConnection) -> None:
    build_marts(con, AS_OF, SLA_HOURS)
    # The DDL's tables are filled, not replaced: their declared types are unchanged.
    types = dict(
        con.sql(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'case_facts'"
        ).fetchall()
    )
    assert (types["severity"], types["detected_at"], types["time_to_action_h"]) == (
        "TINYINT",
        "TIMESTAMP WITH TIME ZONE",
        "DOUBLE",
    )


def test_build_marts_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    first = build_marts(con, AS_OF, SLA_HOURS)
    before = {table: mart(con, table) for table in MARTS}

    second = build_marts(con, AS_OF, SLA_HOURS)

    assert second == first
    for table, rows in before.items():
        assert_frame_equal(mart(con, table), rows)


def test_build_marts_replaces_rows_that_left_staging(con: duckdb.DuckDBPyConnection) -> None:
    build_marts(con, AS_OF, SLA_HOURS)
    con.execute("DELETE FROM staging.cases WHERE agency_code <> 'A'")
    con.execute("DELETE FROM staging.referrals")

    counts = build_marts(con, AS_OF, SLA_HOURS)

    # Requests of cases no longer staged stay (with NULL case dimensions); everything else follows A/1.
    assert counts == {
        "marts.case_facts": 1,
        "marts.kpi_daily": 1,
        "marts.handoffs": 0,
        "marts.platform_requests": 3,
        "marts.backlog_daily": 1,
        "marts.public_response_coverage": 0,
        "marts.recurrence": 0,
        "marts.hotspots": 4,
    }
    assert con.execute("SELECT count(*) FROM marts.case_facts WHERE agency_code = 'B'").fetchone() == (0,)


def test_failed_build_leaves_the_previous_marts(con: duckdb.DuckDBPyConnection) -> None:
    build_marts(con, AS_OF, SLA_HOURS)
    before = {table: mart(con, table) for table in MARTS}

    with pytest.raises(pl.exceptions.InvalidOperationError):
        build_marts(con, AS_OF, {1: 168.0})  # no target for severity 4

    for table, rows in before.items():
        assert_frame_equal(mart(con, table), rows)


def test_a_failure_while_writing_rolls_back_every_mart(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_marts(con, AS_OF, SLA_HOURS)
    before = {table: mart(con, table) for table in MARTS}
    con.execute("DELETE FROM staging.cases WHERE agency_code = 'B'")  # the next build would change the marts
    replace = transforms.build.replace_mart

    def fail_on_the_last_mart(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
        if table == "marts.hotspots":
            raise OSError("disk full")
        replace(con, table, rows)

    monkeypatch.setattr(transforms.build, "replace_mart", fail_on_the_last_mart)
    with pytest.raises(OSError, match="disk full"):
        build_marts(con, AS_OF, SLA_HOURS)

    # Seven marts had been replaced inside the transaction; the rollback restores all of them.
    for table, rows in before.items():
        assert_frame_equal(mart(con, table), rows)


def test_build_marts_on_an_empty_warehouse() -> None:
    con = connect(":memory:")
    ensure_schema(con)
    assert build_marts(con, AS_OF, SLA_HOURS) == dict.fromkeys(MARTS, 0)


def test_backlog_daily_expanded_in_duckdb_equals_the_polars_transform(con: duckdb.DuckDBPyConnection) -> None:
    # build_marts writes backlog_daily run-length encoded and expands it in SQL (transforms.build.EXPANSIONS).
    build_marts(con, AS_OF, SLA_HOURS)
    facts = mart(con, "marts.case_facts").lazy()

    expected = backlog_daily(facts, as_of=AS_OF).collect().sort(MARTS["marts.backlog_daily"][1].split(", "))

    assert expected.height == EXPECTED_COUNTS["marts.backlog_daily"]
    assert_frame_equal(mart(con, "marts.backlog_daily"), expected)


def test_release_cached_blocks_evicts_and_keeps_the_memory_limit(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("SET memory_limit = '1GB'")
    con.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(3000000)")
    con.execute("CHECKPOINT")
    con.execute("SELECT sum(i), max(s) FROM t").fetchall()

    def cached_mb() -> float:
        [(used,)] = con.execute("SELECT sum(memory_usage_bytes) / 1e6 FROM duckdb_memory()").fetchall()
        return float(used)

    before = cached_mb()
    transforms.build.release_cached_blocks(con)

    assert before > 40
    assert cached_mb() <= 32
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("953.6 MiB",)]
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(3_000_000,)]
    for _ in range(3):  # releasing again does not wear the limit down
        transforms.build.release_cached_blocks(con)
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("953.6 MiB",)]
