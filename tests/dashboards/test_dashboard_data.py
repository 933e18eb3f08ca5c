"""The dashboard's queries against the serving copy, and how they see a new publish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from concord.serving import publish
from concord.settings import serving_path
from concord.warehouse import connect
from dashboards import data

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


def test_filter_options(serving_db: Path) -> None:
    snap = data.snapshot(serving_db)
    assert snap is not None

    result = data.read_serving(snap, data.filter_options)

    assert result is not None
    assert (result.first_day, result.last_day) == (date(2025, 1, 6), date(2025, 1, 19))
    assert sorted(result.agencies["agency_code"]) == ["A01", "A02", "A03"]
    assert result.categories == ("health_misinfo", "malware", "phishing", "scam_fraud")
    assert result.severities == (1, 2, 3, 4)


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
            "INSERT INTO marts.kpi_daily VALUES ('2025-01-19', 'A03', 'other', 1, 92, 0, 0, 0, 0, 0, 0, now())"
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
