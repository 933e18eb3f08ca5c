"""build_marts against an in-memory warehouse: staging rows in, both marts replaced, reruns identical."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from concord.warehouse import connect, ensure_schema
from transforms.build import build_marts

SLA_HOURS = {4: 4.0, 3: 24.0, 2: 72.0, 1: 168.0}
# 2024-03-04 10:00 local (UTC+07:00): the last reported local day is 4 Mar.
AS_OF = datetime(2024, 3, 4, 3, 0, tzinfo=UTC)

CASES = """
INSERT INTO staging.cases
    (agency_code, case_id, detected_at, url, url_key, platform, category, severity, reach, status,
     triaged_at, closed_at, batch_id, row_number)
VALUES
    -- 1 Mar 09:00 local; triaged after 1 h, removed after 3 h (critical: met), closed after 24 h.
    ('A', '1', '2024-03-01 02:00:00+00', 'https://x.com/s', 'x.com/s', 'x', 'scam_fraud', 4, 10, 'closed',
     '2024-03-01 03:00:00+00', '2024-03-02 02:00:00+00', 'b1', 1),
    -- 2 Mar 09:00 local, same item, another agency, 24 h later, no referral: uncoordinated duplicate.
    ('B', '9', '2024-03-02 02:00:00+00', 'https://www.x.com/s/', 'x.com/s', 'x', 'scam_fraud', 4, NULL, 'open',
     NULL, NULL, 'b1', 2),
    -- Detected after as_of: not in the marts.
    ('A', '2', '2024-03-05 00:00:00+00', 'https://y.vn', 'y.vn', 'website', 'phishing', 1, NULL, 'open',
     NULL, NULL, 'b1', 3)
"""
ACTIONS = """
INSERT INTO staging.platform_actions
    (request_id, case_agency, case_id, platform, requested_at, responded_at, action, batch_id, row_number)
VALUES
    ('r1', 'A', '1', 'x', '2024-03-01 02:30:00+00', '2024-03-01 05:00:00+00', 'removed', 'b2', 1),
    ('r2', 'B', '9', 'x', '2024-03-02 03:00:00+00', '2024-03-02 04:00:00+00', 'no_violation', 'b2', 2)
"""


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory warehouse with the staging rows above."""
    con = connect(":memory:")
    ensure_schema(con)
    con.execute(CASES)
    con.execute(ACTIONS)
    yield con
    con.close()


def mart(con: duckdb.DuckDBPyConnection, table: str, order_by: str) -> pl.DataFrame:
    """A mart's rows in a stable order."""
    rows: pl.DataFrame = con.sql(f"SELECT * FROM {table} ORDER BY {order_by}").pl()
    return rows


def test_build_marts_writes_both_marts(con: duckdb.DuckDBPyConnection) -> None:
    counts = build_marts(con, AS_OF, SLA_HOURS)

    assert counts == {"marts.case_facts": 2, "marts.kpi_daily": 4}
    facts = mart(con, "marts.case_facts", "agency_code, case_id")
    assert facts.select(
        "agency_code",
        "case_id",
        "time_to_triage_h",
        "time_to_action_h",
        "time_to_close_h",
        "sla_status",
        "is_uncoordinated_duplicate",
    ).rows() == [
        ("A", "1", 1.0, 3.0, 24.0, "met", False),
        # no_violation is not enforcement; 49 h old at as_of > 4 h: breached.
        ("B", "9", None, None, None, "breached", True),
    ]
    assert facts["as_of"].unique().to_list() == [AS_OF]

    kpi = mart(con, "marts.kpi_daily", "day, agency_code")
    assert kpi.select(
        "day", "agency_code", "cases_detected", "cases_actioned", "duplicates", "backlog_open"
    ).rows() == [
        (date(2024, 3, 1), "A", 1, 1, 0, 1),
        # A closed at 09:00 local on 2 Mar; B opened that day and stays open.
        (date(2024, 3, 2), "B", 1, 0, 1, 1),
        (date(2024, 3, 3), "B", 0, 0, 0, 1),
        (date(2024, 3, 4), "B", 0, 0, 0, 1),
    ]


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
    facts, kpi = mart(con, "marts.case_facts", "agency_code, case_id"), mart(con, "marts.kpi_daily", "day, agency_code")

    second = build_marts(con, AS_OF, SLA_HOURS)

    assert second == first
    assert_frame_equal(mart(con, "marts.case_facts", "agency_code, case_id"), facts)
    assert_frame_equal(mart(con, "marts.kpi_daily", "day, agency_code"), kpi)


def test_build_marts_replaces_rows_that_left_staging(con: duckdb.DuckDBPyConnection) -> None:
    build_marts(con, AS_OF, SLA_HOURS)
    con.execute("DELETE FROM staging.cases WHERE agency_code = 'B'")

    counts = build_marts(con, AS_OF, SLA_HOURS)

    assert counts == {"marts.case_facts": 1, "marts.kpi_daily": 1}
    assert con.execute("SELECT count(*) FROM marts.case_facts WHERE agency_code = 'B'").fetchone() == (0,)


def test_failed_build_leaves_the_previous_marts(con: duckdb.DuckDBPyConnection) -> None:
    build_marts(con, AS_OF, SLA_HOURS)
    before = mart(con, "marts.case_facts", "agency_code, case_id")

    with pytest.raises(pl.exceptions.InvalidOperationError):
        build_marts(con, AS_OF, {1: 168.0})  # no target for severity 4

    assert_frame_equal(mart(con, "marts.case_facts", "agency_code, case_id"), before)


def test_build_marts_on_an_empty_warehouse() -> None:
    con = connect(":memory:")
    ensure_schema(con)
    assert build_marts(con, AS_OF, SLA_HOURS) == {"marts.case_facts": 0, "marts.kpi_daily": 0}
