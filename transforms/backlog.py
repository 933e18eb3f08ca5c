"""Open cases at the end of each local day by age bucket, built from ``marts.case_facts`` by an event sweep.

Builds ``marts.backlog_daily`` (PRODUCT.md, "backlog"). A case is open at the end of local day d when it
was detected before the next local midnight E(d) and not closed before E(d); its age is E(d) - detected_at.
Each case stays in one age bucket for a run of consecutive days, so it contributes +1 on the day it enters
a bucket and -1 on the day it leaves: the cost is cases x buckets, never cases x days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from transforms.case_facts import UTC_US, utc_as_of
from transforms.kpi_daily import DIMENSIONS, dimension_combos, local_as_of_day, local_day

AGE_BUCKETS: tuple[tuple[str, float, float | None], ...] = (
    ("0-1d", 0.0, 24.0),
    ("1-3d", 24.0, 72.0),
    ("3-7d", 72.0, 168.0),
    ("7-30d", 168.0, 720.0),
    ("30d+", 720.0, None),
)
"""(label, lower bound inclusive, upper bound exclusive) of the case age in hours; None = no upper bound."""

BACKLOG_DAILY_SCHEMA = pl.Schema(
    {
        "day": pl.Date(),
        "agency_code": pl.String(),
        "category": pl.String(),
        "severity": pl.Int8(),
        "platform": pl.String(),
        "age_bucket": pl.String(),
        "open_cases": pl.Int64(),
        "as_of": UTC_US,
    }
)
"""Columns of ``marts.backlog_daily`` in DDL order (concord/warehouse.py)."""

_ONE_US = timedelta(microseconds=1)


def first_day_ending_at_or_after(instant: pl.Expr, local_tz: str) -> pl.Expr:
    """The first local day d whose end E(d) (the next local midnight) is ≥ ``instant``."""
    # E(d) ≥ t  ⟺  the local date of t - 1 µs is ≤ d: a t exactly at midnight belongs to the day before.
    return (instant - _ONE_US).dt.convert_time_zone(local_tz).dt.date()


def bucket_spells(case_facts: pl.LazyFrame, local_tz: str) -> pl.LazyFrame:
    """Per case and age bucket (its index in AGE_BUCKETS), the local days [enter_day, leave_day) it is open in it.

    It enters bucket [lo, hi) on the first day that ends after detection and at or after detected_at + lo;
    it leaves on the first day that ends at or after detected_at + hi, or after closed_at, whichever is
    first (leave_day null: still there at as_of). A closure on day c leaves the backlog on c, as in kpi_daily.
    Other columns of ``case_facts`` are kept.
    """
    detected = pl.col("detected_at")
    # The day a case reaches each bound; bucket b's upper bound is bucket b+1's lower one. A case
    # detected on day d is open at its end (age > 0), so bucket 0 starts on the detection day.
    reached = [f"_reached_{b}" for b in range(len(AGE_BUCKETS))]
    with_days = (
        case_facts.with_columns(
            local_day("detected_at", local_tz).alias(reached[0]),
            *[
                first_day_ending_at_or_after(detected + timedelta(hours=lower_h), local_tz).alias(name)
                for name, (_, lower_h, _) in zip(reached[1:], AGE_BUCKETS[1:], strict=True)
            ],
            _closed_day=local_day("closed_at", local_tz),
        )
        .drop("detected_at", "closed_at")
        # Read by each bucket below. Polars 2.1's default (streaming) engine recomputed the shared
        # subplan once per branch (measured); cache() computes it once.
        .cache()
    )
    spells = []
    for bucket in range(len(AGE_BUCKETS)):
        leave_by_age = pl.col(reached[bucket + 1]) if bucket + 1 < len(reached) else pl.lit(None, dtype=pl.Date)
        spells.append(
            with_days.with_columns(
                bucket=pl.lit(bucket, dtype=pl.UInt8),
                enter_day=pl.col(reached[bucket]),
                # min_horizontal skips nulls: an open case leaves by age only, a 30d+ case by closing only.
                leave_day=pl.min_horizontal(leave_by_age, pl.col("_closed_day")),
            )
            .drop(*reached, "_closed_day")
            .filter(pl.col("leave_day").is_null() | (pl.col("leave_day") > pl.col("enter_day")))
        )
    return pl.concat(spells)


def open_levels(spells: pl.LazyFrame, group: list[str], last_day: date) -> pl.LazyFrame:
    """Per group, each run of days [day, until] over which the number of open spells stays ``open_cases`` > 0."""
    spells = spells.cache()  # read by both event branches below; see bucket_spells
    # +1 on the day a spell starts, -1 on the day it ends (none while it lasts past as_of).
    events = pl.concat(
        [
            spells.select(*group, day="enter_day", change=pl.lit(1, dtype=pl.Int64)),
            spells.filter(pl.col("leave_day").is_not_null()).select(
                *group, day="leave_day", change=pl.lit(-1, dtype=pl.Int64)
            ),
        ]
    )
    # The running sum of the changes is the level from an event day until the day before the next event
    # of the same group (or through the as-of day).
    return (
        events.filter(pl.col("day") <= last_day)
        .group_by(*group, "day")
        .agg(pl.col("change").sum())
        .with_columns(
            open_cases=pl.col("change").cum_sum().over(group, order_by="day"),
            until=pl.col("day").shift(-1).over(group, order_by="day").fill_null(last_day + timedelta(days=1))
            - timedelta(days=1),
        )
        .filter(pl.col("open_cases") > 0)
        .drop("change")
    )


BACKLOG_LEVELS_SCHEMA = pl.Schema(
    {
        "day": pl.Date(),
        "until": pl.Date(),
        **{name: dtype for name, dtype in BACKLOG_DAILY_SCHEMA.items() if name != "day"},
    }
)
"""Columns of :func:`backlog_levels`: a run of days [day, until] standing for one backlog_daily row per day."""


def backlog_levels(case_facts: pl.LazyFrame, *, as_of: datetime, local_tz: str = "Asia/Ho_Chi_Minh") -> pl.LazyFrame:
    """``marts.backlog_daily`` run-length encoded: one row per run of days [day, until] with the same open cases.

    Expanding each run to its days gives the mart (:func:`backlog_daily`); ``transforms.build`` does that in
    DuckDB, so the mart's rows (ten million at five million cases) never sit in Python memory.
    """
    # The sweep groups by one small integer per dimension combination, not by four text columns.
    facts = case_facts.select(*DIMENSIONS, "detected_at", "closed_at")
    combos = dimension_combos(facts)
    spells = bucket_spells(facts.join(combos, on=DIMENSIONS).select("combo", "detected_at", "closed_at"), local_tz)
    labels = pl.LazyFrame(
        {"bucket": range(len(AGE_BUCKETS)), "age_bucket": [label for label, _, _ in AGE_BUCKETS]},
        schema={"bucket": pl.UInt8(), "age_bucket": pl.String()},
    )
    return (
        open_levels(spells, ["combo", "bucket"], local_as_of_day(as_of, local_tz))
        .join(combos, on="combo")
        .join(labels, on="bucket")
        .with_columns(as_of=pl.lit(utc_as_of(as_of), dtype=UTC_US))
        .select([pl.col(name).cast(dtype) for name, dtype in BACKLOG_LEVELS_SCHEMA.items()])
    )


def backlog_daily(case_facts: pl.LazyFrame, *, as_of: datetime, local_tz: str = "Asia/Ho_Chi_Minh") -> pl.LazyFrame:
    """``marts.backlog_daily``: one row per local day, dimension and age bucket with at least one open case."""
    return (
        backlog_levels(case_facts, as_of=as_of, local_tz=local_tz)
        .with_columns(day=pl.date_ranges("day", "until", "1d"))
        .explode("day")
        .select([pl.col(name).cast(dtype) for name, dtype in BACKLOG_DAILY_SCHEMA.items()])
    )
