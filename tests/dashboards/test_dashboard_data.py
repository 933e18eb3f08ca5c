"""The dashboard's queries against the serving copy, and how they see a new publish."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from concord.serving import publish
from concord.settings import serving_path
from concord.warehouse import connect
from dashboards import charts, data

TZ = "Asia/Ho_Chi_Minh"
ALL_DAYS = data.Filters(date(2025, 1, 6), date(2025, 1, 19))


def test_kpis_for_all_cases(serving_db: Path) -> None:
    snap = data.snapshot(serving_db)
    assert snap is not None

    result = data.read_serving(snap, data.kpis, ALL_DAYS, TZ)

    expected = data.Kpis(cases=8, median_time_to_action_h=8.0, sla_met=4, sla_breached=3, backlog_open=5, duplicates=2)
    assert result == expected
    assert result.sla_compliance == pytest.approx(4 / 7)
    assert result.duplicate_rate == 0.25


def test_kpis_without_decided_cases_are_undefined_not_zero() -> None:
    result = data.Kpis(cases=0, median_time_to_action_h=None, sla_met=0, sla_breached=0, backlog_open=0, duplicates=0)

    assert result.sla_compliance is None
    assert result.duplicate_rate is None


def test_weekly_trend_uses_iso_weeks_of_local_days(serving_db: Path) -> None:
    snap = data.snapshot(serving_db)
    assert snap is not None

    result = data.read_serving(snap, data.weekly_trend, ALL_DAYS)

    expected = pl.DataFrame(
        {
            "iso_week": ["2025-W02", "2025-W03"],
            "week_start": [date(2025, 1, 6), date(2025, 1, 13)],
            "cases": [3, 5],
            "sla_met": [1, 3],
            "sla_breached": [2, 1],
            "sla_compliance": [1 / 3, 3 / 4],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_data_as_of_is_the_latest_completed_run(serving_db: Path) -> None:
    snap = data.snapshot(serving_db)
    assert snap is not None

    result = data.read_serving(snap, data.data_as_of)

    assert result is not None
    assert result.run_id == "run-0001"
    assert result.as_of.isoformat() == "2025-01-20T00:00:00+00:00"


def test_data_as_of_ignores_runs_that_left_the_marts_alone(serving_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "serving.duckdb"
    copy.write_bytes(serving_db.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute(
            """
            INSERT INTO audit.runs (run_id, started_at, finished_at, as_of, status, code_version, inbox, flow) VALUES
              ('ingest-1', '2025-01-23 00:05:00+00', '2025-01-23 00:06:00+00', '2025-01-23 00:00:00+00',
               'completed', 'test', 'inbox', 'concord-ingest'),
              ('reports-1', '2025-01-24 00:05:00+00', '2025-01-24 00:06:00+00', '2025-01-24 00:00:00+00',
               'completed', 'test', NULL, 'concord-reports')
            """
        )
    snap = data.snapshot(copy)
    assert snap is not None

    result = data.read_serving(snap, data.data_as_of)

    assert result is not None
    assert result.run_id == "run-0001"


def test_filter_options(serving_db: Path) -> None:
    snap = data.snapshot(serving_db)
    assert snap is not None

    result = data.read_serving(snap, data.filter_options)

    assert result is not None
    assert (result.first_day, result.last_day) == (date(2025, 1, 6), date(2025, 1, 19))
    assert sorted(result.agencies["agency_code"]) == ["A01", "A02", "A03"]
    assert result.categories == ("disaster_misinfo", "health_misinfo", "phishing", "scam_fraud")
    assert result.severities == (1, 2, 3, 4)
    assert result.tiers == ("national", "city")  # administrative order, not alphabetical
    assert result.platforms == ("facebook", "telegram", "website", "youtube", "zalo")


def test_serving_file_comes_from_the_environment_or_the_warehouse_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCORD_SERVING", str(tmp_path / "x.duckdb"))
    assert data.serving_file() == tmp_path / "x.duckdb"

    monkeypatch.delenv("CONCORD_SERVING")
    monkeypatch.setenv("CONCORD_DB", str(tmp_path / "w.duckdb"))
    assert data.serving_file() == tmp_path / "w.serving.duckdb"


def test_a_publish_is_seen_even_while_an_old_reader_is_open(
    tmp_path: Path, fixture_rows: Callable[[duckdb.DuckDBPyConnection], None]
) -> None:
    """The pipeline renames a new copy over the old one while readers may still hold the old one open."""
    warehouse = connect(tmp_path / "concord.duckdb")
    fixture_rows(warehouse)
    target = serving_path(tmp_path / "concord.duckdb")
    publish(warehouse, target)
    before = data.snapshot(target)
    assert before is not None

    # A reader (another session, mid-query) holds the old copy open through DuckDB's per-path instance cache.
    old_reader = duckdb.connect(str(target), read_only=True)
    try:
        warehouse.execute(
            "INSERT INTO marts.kpi_daily VALUES ('2025-01-19', 'A03', 'other', 1, 'other', 92, 0, 0, 0, 0, 0, 0, now())"
        )
        publish(warehouse, target)  # not blocked by the reader
        after = data.snapshot(target)

        assert after is not None and after != before  # a new cache key
        assert data.read_serving(after, data.kpis, ALL_DAYS, TZ).cases == 100
        assert old_reader.execute("SELECT sum(cases_detected) FROM marts.kpi_daily").fetchall() == [(8,)]
    finally:
        old_reader.close()
        warehouse.close()


def test_cached_loaders_pick_up_a_new_publish(
    tmp_path: Path, fixture_rows: Callable[[duckdb.DuckDBPyConnection], None]
) -> None:
    warehouse = connect(tmp_path / "concord.duckdb")
    fixture_rows(warehouse)
    target = serving_path(tmp_path / "concord.duckdb")
    try:
        publish(warehouse, target)
        first = data.snapshot(target)
        assert first is not None
        assert data.load_kpis(first, ALL_DAYS, TZ).cases == 8

        warehouse.execute("DELETE FROM marts.kpi_daily WHERE day < '2025-01-13'")
        publish(warehouse, target)
        second = data.snapshot(target)
        assert second is not None

        assert data.load_kpis(second, ALL_DAYS, TZ).cases == 5
        # the old key still answers from the cache
        assert data.load_kpis(first, ALL_DAYS, TZ).cases == 8
    finally:
        warehouse.close()
        data.load_kpis.clear()


def test_missing_file_has_no_snapshot(tmp_path: Path) -> None:
    assert data.snapshot(tmp_path / "absent.duckdb") is None


# --- the coordination marts: golden figures worked out by hand from the fixture (conftest.py) ---------------


T = TypeVar("T")


def query(serving_db: Path, fn: Callable[..., T], *args: object) -> T:
    snap = data.snapshot(serving_db)
    assert snap is not None
    return data.read_serving(snap, fn, *args)


@pytest.mark.parametrize(
    ("filters", "expected_cases"),
    [
        (ALL_DAYS, 8),
        # the tier filter goes through staging.agencies: A01 and A02 are city agencies, A03 (national) has no case
        (replace(ALL_DAYS, tiers=("city",)), 8),
        (replace(ALL_DAYS, tiers=("national",)), 0),
        # facebook: C1, P1, P4
        (replace(ALL_DAYS, platforms=("facebook",)), 3),
        # agency and tier together: both must hold
        (replace(ALL_DAYS, agencies=("A01",), tiers=("national",)), 0),
    ],
)
def test_tier_and_platform_filters(serving_db: Path, filters: data.Filters, expected_cases: int) -> None:
    assert query(serving_db, data.kpis, filters, TZ).cases == expected_cases


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # a Sunday: the last full week is the one ending that day
        (date(2025, 1, 19), ((date(2025, 1, 6), date(2025, 1, 12)), (date(2025, 1, 13), date(2025, 1, 19)))),
        # a Saturday: its week is not full, so the last full week is 01-06..01-12, and the week before is out of range
        (date(2025, 1, 18), None),
        (date(2025, 1, 12), None),  # only one full week in range
    ],
)
def test_last_full_weeks(end: date, expected: tuple[tuple[date, date], tuple[date, date]] | None) -> None:
    result = data.last_full_weeks(replace(ALL_DAYS, end=end, agencies=("A01",)))

    if expected is None:
        assert result is None
    else:
        assert result is not None
        assert [(w.start, w.end) for w in result] == list(expected)
        assert all(w.agencies == ("A01",) for w in result)  # the other filters are kept


def test_weekly_and_monthly_trends(serving_db: Path) -> None:
    weekly = query(serving_db, data.trends, ALL_DAYS, TZ, "week")
    monthly = query(serving_db, data.trends, ALL_DAYS, TZ, "month")

    expected_weekly = pl.DataFrame(
        {
            "period": ["2025-W02", "2025-W03"],
            "period_start": [date(2025, 1, 6), date(2025, 1, 13)],
            "cases": [3, 5],
            # W02: C1 1, C2 0.5, P1 2 → 1; W03: P2 3, C3 1, P3 0.5, C4 4 (P4 not triaged) → (1 + 3) / 2
            "median_triage_h": [1.0, 2.0],
            # W02: 2, 10, 30 → 10; W03: 20, 6, 3 → 6
            "median_action_h": [10.0, 6.0],
            # W02: C1 8, P1 33 → 20.5; W03: only C3 is closed, 19
            "median_close_h": [20.5, 19.0],
            "sla_met": [1, 3],
            "sla_breached": [2, 1],
            "sla_compliance": [1 / 3, 3 / 4],
            "duplicates": [1, 1],  # P1, P3
            "duplicate_rate": [1 / 3, 1 / 5],
        }
    )
    assert_frame_equal(weekly, expected_weekly, check_dtypes=False)
    # all of January: triage 0.5, 0.5, 1, 1, 2, 3, 4 → 1; action 2, 3, 6, 10, 20, 30 → 8; close 8, 19, 33 → 19
    assert monthly.select("period", "cases", "median_triage_h", "median_action_h", "median_close_h").rows() == [
        ("2025-01", 8, 1.0, 8.0, 19.0)
    ]
    with pytest.raises(ValueError, match="grain"):
        query(serving_db, data.trends, ALL_DAYS, TZ, "day")


def test_scorecards_and_network_medians(serving_db: Path) -> None:
    cards = query(serving_db, data.scorecards, ALL_DAYS, TZ)
    network = query(serving_db, data.network_medians, ALL_DAYS, TZ)

    expected = pl.DataFrame(
        {
            # national first, then city agencies by name
            "agency_code": ["A03", "A02", "A01"],
            "tier": ["national", "city", "city"],
            "cases": [0, 4, 4],
            # A02: 30, 20, 3 → 20; A01: 2, 10, 6 → 6
            "median_action_h": [None, 20.0, 6.0],
            "sla_compliance": [None, 2 / 3, 2 / 4],
            "duplicate_rate": [None, 2 / 4, 0.0],
            # sent: A02 R3 R4 R6 R7, A01 R1 R2 R5; received: A03 R1 R4 R6, A02 R2 R5, A01 R3 R7
            "handoffs_sent": [0, 4, 3],
            "handoffs_received": [3, 2, 2],
            # received and acknowledged: A03 R1 2 (R4, R6 never); A02 R2 6, R5 30 → 18; A01 R3 4, R7 1.5 → 2.75
            "median_ack_h": [2.0, 18.0, 2.75],
        }
    )
    assert_frame_equal(cards.drop("name", "name_en"), expected, check_dtypes=False)
    # medians over the agencies: cases 0, 4, 4 → 4; action 20, 6 → 13; SLA 2/3, 1/2 → 7/12; duplicates 1/2, 0 → 1/4;
    # sent 0, 4, 3 → 3; received 3, 2, 2 → 2; acknowledgement 2, 18, 2.75 → 2.75
    assert network == pytest.approx(
        {
            "cases": 4.0,
            "median_action_h": 13.0,
            "sla_compliance": 7 / 12,
            "duplicate_rate": 0.25,
            "handoffs_sent": 3.0,
            "handoffs_received": 2.0,
            "median_ack_h": 2.75,
        }
    )
    assert tuple(charts.SCORECARD_COLUMNS) == data.SCORECARD_METRICS  # every figure has a label and a format
    # the agency and tier filters choose the rows, never the network
    national = replace(ALL_DAYS, tiers=("national",))
    assert query(serving_db, data.scorecards, national, TZ)["agency_code"].to_list() == ["A03"]
    assert query(serving_db, data.network_medians, national, TZ) == network


def test_handoffs(serving_db: Path) -> None:
    summary = query(serving_db, data.handoff_summary, ALL_DAYS, TZ)
    matrix = query(serving_db, data.handoff_matrix, ALL_DAYS, TZ)
    stalled = query(serving_db, data.oldest_stalled, ALL_DAYS, TZ)

    # 7 hand-offs; stalled R4, R5, R6; ping-pong R3; acknowledged 2, 6, 4, 30, 1.5 → 4
    assert summary == data.HandoffSummary(handoffs=7, stalled=3, ping_pong=1, median_ack_h=4.0)
    assert summary.stalled_rate == pytest.approx(3 / 7)
    expected_matrix = pl.DataFrame(
        {
            "from_agency": ["A01", "A01", "A02", "A02"],
            "to_agency": ["A02", "A03", "A01", "A03"],
            "handoffs": [2, 1, 2, 2],
            "median_ack_h": [18.0, 2.0, 2.75, None],  # R2 6, R5 30 | R1 2 | R3 4, R7 1.5 | R4, R6 never
            "stalled": [1, 0, 0, 2],
        }
    )
    assert_frame_equal(matrix, expected_matrix, check_dtypes=False)
    # still waiting first (longest first), then acknowledged late; hours to as-of 2025-01-20 00:00 UTC
    assert stalled.select(
        "case_agency", "case_id", "from_agency", "to_agency", "still_waiting", "hours_waiting"
    ).rows() == [
        ("A02", "P2", "A02", "A03", True, 163.0),  # sent 01-13 05:00 UTC
        ("A01", "C4", "A02", "A03", True, 57.0),  # sent 01-17 15:00 UTC
        ("A01", "C4", "A01", "A02", False, 30.0),  # acknowledged after 30 h
    ]
    # local time: R4 was sent at 12:00 in Hanoi
    assert stalled["sent_local"][0] == datetime(2025, 1, 13, 12, 0)


def test_handoffs_match_an_agency_on_either_side(serving_db: Path) -> None:
    # A03 only receives: R1, R4, R6; acknowledged R1 only
    result = query(serving_db, data.handoff_summary, replace(ALL_DAYS, agencies=("A03",)), TZ)

    assert result == data.HandoffSummary(handoffs=3, stalled=2, ping_pong=0, median_ack_h=2.0)


def test_case_flow(serving_db: Path) -> None:
    result = query(serving_db, data.case_flow, ALL_DAYS, TZ)

    # handed off: C1, C2, P2 actioned; C4, P4 open. Not: P1, C3, P3 actioned.
    assert result.rows() == [(True, "actioned", 3), (True, "open", 2), (False, "actioned", 3)]


def test_platform_responsiveness(serving_db: Path) -> None:
    result = query(serving_db, data.platform_responsiveness, ALL_DAYS, TZ)

    expected = pl.DataFrame(
        {
            "platform": ["facebook", "telegram", "website", "youtube", "zalo", None],
            "requests": [4, 2, 1, 1, 2, 10],
            "pending": [1, 0, 0, 0, 0, 1],
            # facebook answered 2, 6, 28 → 6, p90 at 1.8 → 6 + 0.8 × 22; zalo 2, 8 → 5, p90 2 + 0.9 × 6;
            # all 2, 2, 5, 6, 8, 18, 24, 28 → 7, p90 at 6.3 → 24 + 0.3 × 4
            "median_response_h": [6.0, 24.0, 5.0, 18.0, 5.0, 7.0],
            "p90_response_h": [23.6, 24.0, 5.0, 18.0, 7.4, 25.2],
            "enforced": [2, 0, 1, 1, 2, 6],
            # no_response counts, pending does not
            "counted": [3, 2, 1, 1, 2, 9],
            "enforcement_rate": [2 / 3, 0.0, 1.0, 1.0, 1.0, 6 / 9],
        }
    )
    assert_frame_equal(result, expected, check_dtypes=False)


def test_backlog(serving_db: Path) -> None:
    snapshot = query(serving_db, data.backlog_snapshot, ALL_DAYS)
    by_day = query(serving_db, data.backlog_by_day, ALL_DAYS)
    earlier = query(serving_db, data.backlog_snapshot, replace(ALL_DAYS, end=date(2025, 1, 14)))

    # end of 01-19: P4 7 h; P2 157 h, P3 107 h, C4 82 h; C2 311 h
    assert snapshot.rows() == [("0-1d", 1), ("1-3d", 0), ("3-7d", 3), ("7-30d", 1), ("30d+", 0)]
    # end of 01-14: C3 12 h, P2 37 h, C2 191 h
    assert earlier.rows() == [("0-1d", 1), ("1-3d", 1), ("3-7d", 0), ("7-30d", 1), ("30d+", 0)]
    assert by_day.group_by("day").agg(pl.col("open_cases").sum()).sort("day")["open_cases"].to_list() == [
        1, 2, 1, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5  # 01-07 .. 01-19
    ]  # fmt: skip


def test_hotspots_only_take_the_date_and_category_filters(serving_db: Path) -> None:
    every = query(serving_db, data.hotspot_days, ALL_DAYS)
    phishing = query(serving_db, data.hotspot_days, replace(ALL_DAYS, categories=("phishing",), agencies=("A01",)))

    assert every.height == 9
    assert every.filter(pl.col("is_hotspot")).select("category", "day", "new_cases", "sigma").rows() == [
        ("phishing", date(2025, 1, 15), 14, 8.0),  # (14 − 2) / 1.5
        ("phishing", date(2025, 1, 16), 16, 4.5),  # (16 − 2.5) / 3
    ]
    assert phishing.height == 5  # the agency filter does not apply to a network-wide burst


def test_public_response_coverage(serving_db: Path) -> None:
    result = query(serving_db, data.coverage, ALL_DAYS, TZ)
    uncovered = query(serving_db, data.uncovered_cases, ALL_DAYS, TZ)
    trend = query(serving_db, data.coverage_trend, ALL_DAYS, TZ)

    # P2 answered after 30 h (covered), C4 after 60 h (not): 1/2, median 45
    assert result == data.Coverage(eligible=2, decided=2, covered=1, median_response_h=45.0)
    assert (result.coverage, result.uncovered, result.within_window) == (0.5, 1, 0)
    assert uncovered.rows() == [("A01", "C4", "disaster_misinfo", 40000, datetime(2025, 1, 16, 14, 0), 60.0)]
    assert trend.select("iso_week", "eligible", "decided", "covered", "coverage").rows() == [("2025-W03", 2, 2, 1, 0.5)]
    assert query(serving_db, data.coverage, replace(ALL_DAYS, agencies=("A02",)), TZ).coverage == 1.0


def test_coverage_leaves_out_cases_still_within_their_48_hours(serving_db: Path) -> None:
    """docs/metrics.md: a case detected < 48 h before as_of may still be covered; the ratio waits for it."""
    with duckdb.connect(str(serving_db)) as con:
        # detected 2025-01-19 06:00 UTC, 18 h before as_of, no response yet; and one 48 h before exactly
        con.execute(
            """
            INSERT INTO marts.public_response_coverage VALUES
              ('A02', 'N1', 'rumour.example/a', 'health_misinfo', 2, 'zalo', 12000, '2025-01-19 06:00:00+00',
               NULL, NULL, false, '2025-01-20 00:00:00+00'),
              ('A02', 'N2', 'rumour.example/b', 'health_misinfo', 2, 'zalo', 12000, '2025-01-18 00:00:00+00',
               NULL, NULL, false, '2025-01-20 00:00:00+00')
            """
        )

    result = query(serving_db, data.coverage, ALL_DAYS, TZ)
    uncovered = query(serving_db, data.uncovered_cases, ALL_DAYS, TZ)

    # N2's window closed exactly at as_of: decided and not covered; N1 is still open
    assert result == data.Coverage(eligible=4, decided=3, covered=1, median_response_h=45.0)
    assert result.within_window == 1
    assert uncovered["case_id"].to_list() == ["C4", "N2"]


def test_local_days_become_a_utc_range() -> None:
    # One local day in Ho Chi Minh City (UTC+07:00) runs from 17:00 UTC the day before to 17:00 UTC.
    from datetime import UTC, date, datetime

    from dashboards.data import local_days_as_utc_range

    assert local_days_as_utc_range(date(2025, 1, 20), date(2025, 1, 21), "Asia/Ho_Chi_Minh") == (
        datetime(2025, 1, 19, 17, 0, tzinfo=UTC),
        datetime(2025, 1, 21, 17, 0, tzinfo=UTC),
    )
