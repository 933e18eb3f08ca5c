"""Golden tests for marts.backlog_daily: open cases at the end of each local day (UTC+07:00) by age bucket.

Times are written as local wall-clock times and stored as the UTC instants staging holds.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.transforms.facts import ICT, TZ, facts_frame, ict
from transforms.backlog import AGE_BUCKETS, BACKLOG_DAILY_SCHEMA, backlog_daily
from transforms.kpi_daily import kpi_daily


def backlog_rows(*rows: tuple[str, str, int], as_of: datetime) -> pl.DataFrame:
    """Expected rows for agency A / phishing / 4 / facebook as (local day, age bucket, open cases)."""
    return pl.DataFrame(
        [(date.fromisoformat(day), "A", "phishing", 4, "facebook", bucket, n, as_of) for day, bucket, n in rows],
        schema=BACKLOG_DAILY_SCHEMA,
        orient="row",
    )


def sorted_mart(frame: pl.LazyFrame) -> pl.DataFrame:
    """A backlog_daily result in a stable order (the mart itself has none)."""
    return frame.collect().sort("day", "agency_code", "category", "severity", "platform", "age_bucket")


def test_backlog_daily_golden() -> None:
    facts = facts_frame(
        # Detected exactly at local midnight starting 1 Mar: 24 h old at the end of 1 Mar, which is
        # already the '1-3d' bucket (lower bounds are inclusive); 72 h at the end of 3 Mar: '3-7d'.
        {"detected_at": ict("2024-03-01 00:00")},
        # 23:30 local on 1 Mar is 16:30 UTC on 1 Mar: 0.5 h old at the end of 1 Mar, 24.5 h at the end of
        # 2 Mar. Closed exactly at local midnight starting 3 Mar: still open at the end of 2 Mar.
        {"detected_at": ict("2024-03-01 23:30"), "closed_at": ict("2024-03-03 00:00")},
        # 00:30 local on 2 Mar is 17:30 UTC on 1 Mar (a UTC date of 1 Mar); closed 23:59 the same local
        # day: never open at the end of a day.
        {"detected_at": ict("2024-03-02 00:30"), "closed_at": ict("2024-03-02 23:59")},
    )
    as_of = ict("2024-03-05 12:00")

    result = sorted_mart(backlog_daily(facts, as_of=as_of, local_tz=TZ))

    expected = backlog_rows(
        ("2024-03-01", "0-1d", 1),
        ("2024-03-01", "1-3d", 1),
        ("2024-03-02", "1-3d", 2),
        ("2024-03-03", "3-7d", 1),
        ("2024-03-04", "3-7d", 1),
        # 5 Mar is the as-of day (12:00 local): the last reported day.
        ("2024-03-05", "3-7d", 1),
        as_of=as_of,
    )
    assert_frame_equal(result, expected)


# One never-closed case: (local detection time, local day) -> its age bucket at the end of that day.
AGE_BOUNDARY_CASES = [
    pytest.param("2024-03-01 00:01", "2024-03-01", "0-1d", id="23h59m"),
    pytest.param("2024-03-01 00:00", "2024-03-01", "1-3d", id="exactly-24h"),
    # 29 Feb 2024 exists: detected 23:59 on the leap day is 24 h 01 min old at the end of 1 Mar.
    pytest.param("2024-02-29 23:59", "2024-03-01", "1-3d", id="24h01m-across-leap-day"),
    pytest.param("2024-03-01 00:01", "2024-03-03", "1-3d", id="71h59m"),
    pytest.param("2024-03-01 00:00", "2024-03-03", "3-7d", id="exactly-72h"),
    pytest.param("2024-03-01 00:01", "2024-03-07", "3-7d", id="167h59m"),
    pytest.param("2024-03-01 00:00", "2024-03-07", "7-30d", id="exactly-168h"),
    pytest.param("2024-03-01 00:01", "2024-03-30", "7-30d", id="719h59m"),
    pytest.param("2024-03-01 00:00", "2024-03-30", "30d+", id="exactly-720h"),
    pytest.param("2024-03-01 10:00", "2024-06-01", "30d+", id="three-months"),
]


@pytest.mark.parametrize(("detected", "day", "bucket"), AGE_BOUNDARY_CASES)
def test_age_bucket_boundaries(detected: str, day: str, bucket: str) -> None:
    facts = facts_frame({"detected_at": ict(detected)})
    result = backlog_daily(facts, as_of=ict("2024-07-01 00:00"), local_tz=TZ).collect()
    assert result.filter(pl.col("day") == date.fromisoformat(day)).select("age_bucket", "open_cases").rows() == [
        (bucket, 1)
    ]


# One case detected 10:00 local on 1 Mar: (local closing time or None, as_of) -> the days it is open.
CLOSING_CASES = [
    pytest.param("2024-03-01 11:00", "2024-03-05 12:00", [], id="closed-same-day"),
    pytest.param("2024-03-02 23:59", "2024-03-05 12:00", ["2024-03-01"], id="closed-2359-next-day"),
    # Exactly at the local midnight that ends 2 Mar: closed_at is not before the end of 2 Mar.
    pytest.param("2024-03-03 00:00", "2024-03-05 12:00", ["2024-03-01", "2024-03-02"], id="closed-at-local-midnight"),
    # A closure after as_of is not known yet: open through the as-of day, no further.
    pytest.param(
        "2024-03-09 10:00", "2024-03-03 08:00", ["2024-03-01", "2024-03-02", "2024-03-03"], id="closed-after-as-of"
    ),
    pytest.param(None, "2024-03-02 08:00", ["2024-03-01", "2024-03-02"], id="never-closed"),
    # A closure recorded before detection (invalid) never counts as open, as in kpi_daily.
    pytest.param("2024-02-28 10:00", "2024-03-05 12:00", [], id="closed-before-detected"),
]


@pytest.mark.parametrize(("closed", "as_of", "open_days"), CLOSING_CASES)
def test_open_until_closed(closed: str | None, as_of: str, open_days: list[str]) -> None:
    facts = facts_frame({"detected_at": ict("2024-03-01 10:00"), "closed_at": None if closed is None else ict(closed)})
    result = sorted_mart(backlog_daily(facts, as_of=ict(as_of), local_tz=TZ))
    assert result["day"].to_list() == [date.fromisoformat(d) for d in open_days]
    assert set(result["open_cases"]) <= {1}


def test_dimensions_are_kept_apart() -> None:
    facts = facts_frame(
        {"detected_at": ict("2024-03-01 10:00")},
        {"detected_at": ict("2024-03-01 11:00")},
        {"detected_at": ict("2024-03-01 10:00"), "agency_code": "B"},
        {"detected_at": ict("2024-03-01 10:00"), "category": "malware"},
        {"detected_at": ict("2024-03-01 10:00"), "severity": 1},
        {"detected_at": ict("2024-03-01 10:00"), "platform": "zalo"},
    )
    as_of = ict("2024-03-01 20:00")
    result = sorted_mart(backlog_daily(facts, as_of=as_of, local_tz=TZ))
    d = date(2024, 3, 1)
    expected = pl.DataFrame(
        [
            (d, "A", "malware", 4, "facebook", "0-1d", 1, as_of),
            (d, "A", "phishing", 1, "facebook", "0-1d", 1, as_of),
            (d, "A", "phishing", 4, "facebook", "0-1d", 2, as_of),
            (d, "A", "phishing", 4, "zalo", "0-1d", 1, as_of),
            (d, "B", "phishing", 4, "facebook", "0-1d", 1, as_of),
        ],
        schema=BACKLOG_DAILY_SCHEMA,
        orient="row",
    )
    assert_frame_equal(result, expected)


def test_no_cases_gives_an_empty_mart() -> None:
    result = backlog_daily(facts_frame(), as_of=ict("2024-03-01 00:00"), local_tz=TZ).collect()
    assert result.schema == BACKLOG_DAILY_SCHEMA
    assert result.height == 0


# -- property: the sweep equals a day-by-day recount, and reconciles with kpi_daily.backlog_open -----------

T0 = ict("2024-03-01 00:00")
BUCKET_BOUNDS_H = [(label, lower, upper) for label, lower, upper in AGE_BUCKETS]


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[dict[str, object]], datetime]:
    """Random cases over ~40 days on a 3-hour grid (so local midnights and the 24/72/168/720 h bounds are hit)."""
    step = timedelta(hours=3)
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        detected = T0 + draw(st.integers(0, 320)) * step
        closed_after = draw(st.none() | st.integers(-2, 330))
        rows.append(
            {
                "agency_code": draw(st.sampled_from(["A", "B"])),
                "platform": draw(st.sampled_from(["facebook", "zalo"])),
                "detected_at": detected,
                "closed_at": None if closed_after is None else detected + closed_after * step,
            }
        )
    as_of = T0 + draw(st.integers(0, 340)) * step
    # Plain rows: building Polars frames inside a strategy touches `random`, which Hypothesis warns against.
    return rows, as_of


def recount(facts: pl.DataFrame, as_of: datetime) -> dict[tuple[object, ...], int]:
    """Open cases per (day, agency, platform, bucket), recounted case by case for every local day."""
    counts: dict[tuple[object, ...], int] = {}
    if facts.height == 0:
        return counts
    first = min(facts["detected_at"]).astimezone(ICT).date()
    last = as_of.astimezone(ICT).date()
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), ICT)
        for f in facts.iter_rows(named=True):
            if f["detected_at"] < end_of_day and (f["closed_at"] is None or f["closed_at"] >= end_of_day):
                age_h = (end_of_day - f["detected_at"]) / timedelta(hours=1)
                bucket = next(b for b, lo, hi in BUCKET_BOUNDS_H if lo <= age_h and (hi is None or age_h < hi))
                key = (day, f["agency_code"], f["platform"], bucket)
                counts[key] = counts.get(key, 0) + 1
    return counts


@settings(max_examples=150, deadline=None)
@given(cases())
def test_backlog_matches_a_day_by_day_recount(drawn: tuple[list[dict[str, object]], datetime]) -> None:
    rows, as_of = drawn
    facts = facts_frame(*rows).filter(pl.col("detected_at") <= as_of)
    result = backlog_daily(facts, as_of=as_of, local_tz=TZ).collect()

    recorded = {
        (r["day"], r["agency_code"], r["platform"], r["age_bucket"]): r["open_cases"] for r in result.rows(named=True)
    }
    assert recorded == recount(facts.collect(), as_of)
    assert result.select(pl.len()).item() == len(recorded)  # one row per key

    # Summed over the age buckets, the backlog is kpi_daily's backlog_open for the same day and dimensions.
    dims = ["day", "agency_code", "category", "severity", "platform"]
    by_day = result.group_by(dims).agg(open_cases=pl.col("open_cases").sum())
    kpi = kpi_daily(facts, as_of=as_of, local_tz=TZ).collect().filter(pl.col("backlog_open") > 0)
    assert_frame_equal(
        by_day, kpi.select(*dims, open_cases="backlog_open"), check_row_order=False, check_column_order=False
    )
