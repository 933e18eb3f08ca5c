"""The volume-anomaly rule on tiny literal histories in audit.batches, bounds computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from expectations.volume import COLUMNS, store_volume_checks, volume_checks

CHECKED_AT = datetime(2026, 1, 20, 12, tzinfo=UTC)
# Five earlier daily runs of `cases`: sorted 90, 95, 100, 105, 110 → median 100; |deviations| 10, 5, 0, 5, 10 →
# MAD 5; spread max(1.4826·5 = 7.41, 0.1·100 = 10, 1) = 10; bounds 100 ± 4·10 = [60, 140].
HISTORY = (100, 110, 90, 105, 95)


def add_batches(con: duckdb.DuckDBPyConnection, source: str, runs: list[tuple[str, list[tuple[str, int]]]]) -> None:
    """Batches of ``source``: per run (run id, its batches as (status, rows_loaded)); run i loads on day i."""
    for day, (run_id, batches) in enumerate(runs):
        for number, (status, rows) in enumerate(batches):
            con.execute(
                "INSERT INTO audit.batches VALUES (?, ?, ?, 'f.csv', 'sha', 1, ?, NULL, ?, ?, 0, NULL, ?)",
                [
                    f"{source}-{run_id}-{number}",
                    run_id,
                    source,
                    status,
                    rows,
                    rows if status == "loaded" else 0,
                    CHECKED_AT - timedelta(days=30 - day, minutes=-number),
                ],
            )


def history(*rows: int) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(f"r{i:02d}", [("loaded", n)]) for i, n in enumerate(rows)]


def check(con: duckdb.DuckDBPyConnection, source: str = "cases", **kwargs: float) -> dict:
    result = volume_checks(con, "now", CHECKED_AT, [source], **kwargs)  # type: ignore[arg-type]
    return result.filter(pl.col("source") == source).to_dicts()[0]


@pytest.mark.parametrize(
    ("current", "status", "reason"),
    [
        ([("loaded", 400)], "anomalous", "400 rows loaded, above the upper bound 140 (median 100 of 5 earlier runs)"),
        ([("loaded", 30)], "anomalous", "30 rows loaded, below the lower bound 60 (median 100 of 5 earlier runs)"),
        ([("loaded", 60), ("loaded", 80)], "ok", None),  # two files in one run: 140 rows, on the upper bound
        ([("loaded", 61)], "ok", None),
        # A rejected file is a delivery of no rows: a drop to zero.
        ([("rejected", 50)], "anomalous", "0 rows loaded, below the lower bound 60 (median 100 of 5 earlier runs)"),
    ],
)
def test_spike_drop_and_normal_runs(
    con: duckdb.DuckDBPyConnection, current: list[tuple[str, int]], status: str, reason: str | None
) -> None:
    add_batches(con, "cases", [*history(*HISTORY), ("now", current)])

    result = check(con)

    assert (result["status"], result["reason"]) == (status, reason)
    assert (result["history_runs"], result["baseline_median"], result["lower_bound"], result["upper_bound"]) == (
        5,
        100.0,
        60.0,
        140.0,
    )


def test_too_little_history_is_not_judged(con: duckdb.DuckDBPyConnection) -> None:
    add_batches(con, "cases", [*history(100, 5_000), ("now", [("loaded", 1)])])

    result = check(con)

    assert (result["status"], result["history_runs"], result["baseline_median"]) == ("no_history", 2, 2550.0)
    assert (result["lower_bound"], result["upper_bound"]) == (None, None)
    assert result["reason"] == "2 earlier runs with deliveries, 3 needed"


@pytest.mark.parametrize(
    "current",
    [
        [],  # no batch of the source at all in this run
        [("skipped", 0)],  # an exact re-delivery is nothing new
    ],
)
def test_nothing_delivered(con: duckdb.DuckDBPyConnection, current: list[tuple[str, int]]) -> None:
    add_batches(con, "cases", [*history(*HISTORY), ("now", current)])

    result = check(con)

    assert (result["status"], result["rows_loaded"], result["history_runs"]) == ("no_delivery", 0, 5)
    assert result["reason"] == "no new file this run"


def test_only_the_trailing_runs_with_deliveries_count(con: duckdb.DuckDBPyConnection) -> None:
    # An old regime of ~1,000 rows, a run that delivered nothing new, then three runs of 100: with a trailing
    # window of 3 the baseline is 100 (the skipped run is not a run with deliveries).
    runs = [*history(1_000, 1_000, 1_000), ("skip", [("skipped", 0)])]
    runs += [(f"new{i}", [("loaded", 100)]) for i in range(3)] + [("now", [("loaded", 1_000)])]
    add_batches(con, "cases", runs)

    result = check(con, history_runs=3)

    # MAD 0: spread max(0, 0.1·100, 1) = 10 → [60, 140].
    assert (result["history_runs"], result["baseline_median"], result["upper_bound"], result["status"]) == (
        3,
        100.0,
        140.0,
        "anomalous",
    )
    # 6 runs, 100 ×3 and 1,000 ×3: an even count, the median averages the middle two.
    assert check(con, history_runs=14)["baseline_median"] == 550.0


def test_a_steady_tiny_source_tolerates_one_row(con: duckdb.DuckDBPyConnection) -> None:
    # Median 2, MAD 0, 10% of 2 = 0.2: the one-row floor gives [0, 6] with k = 4.
    add_batches(con, "agencies", [*history(2, 2, 2), ("now", [("loaded", 3)])])

    result = check(con, "agencies")

    assert (result["lower_bound"], result["upper_bound"], result["status"]) == (0.0, 6.0, "ok")


def test_every_source_gets_a_row_and_later_runs_are_not_history(con: duckdb.DuckDBPyConnection) -> None:
    add_batches(con, "cases", [*history(*HISTORY), ("now", [("loaded", 100)])])
    add_batches(con, "feeds/urlhaus", [("now", [("loaded", 7)])])
    # A run after this one (as in a re-check of an old run) is not part of its history.
    add_batches(con, "referrals", [("now", [("loaded", 5)]), *history(1, 1, 1)])

    result = volume_checks(con, "now", CHECKED_AT, ["cases", "referrals", "platform_actions"])

    assert result.columns == list(COLUMNS)
    assert result.select("source", "status", "rows_loaded", "history_runs").rows() == [
        ("cases", "ok", 100, 5),
        ("feeds/urlhaus", "no_history", 7, 0),  # in audit.batches though not configured
        ("platform_actions", "no_delivery", 0, 0),
        ("referrals", "no_history", 5, 0),
    ]


def test_storing_twice_replaces_the_runs_rows(con: duckdb.DuckDBPyConnection) -> None:
    add_batches(con, "cases", [*history(*HISTORY), ("now", [("loaded", 400)])])
    result = volume_checks(con, "now", CHECKED_AT, ["cases"])

    store_volume_checks(con, "now", result)
    store_volume_checks(con, "now", result)

    stored = con.sql("SELECT * FROM audit.volume_checks").pl()
    assert_frame_equal(stored, result, check_dtypes=False)
