"""New cases per (category, local day) against the trailing 28-day mean and standard deviation.

Builds ``marts.hotspots`` (PRODUCT.md, "hotspot"). A day is a hotspot when its new cases exceed the
mean of the 28 days before it by at least 3 (population) standard deviations, and number at least 10.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from transforms.case_facts import UTC_US, utc_as_of
from transforms.kpi_daily import local_as_of_day, local_day

WINDOW_DAYS = 28
"""Trailing window: the 28 local days before the day, not including it."""
Z_THRESHOLD = 3
"""Standard deviations above the trailing mean (an integer, so the test is exact integer arithmetic)."""
MIN_CASES = 10
"""Fewer new cases than this is never a hotspot, however unusual."""

HOTSPOTS_SCHEMA = pl.Schema(
    {
        "category": pl.String(),
        "day": pl.Date(),
        "new_cases": pl.Int64(),
        "trailing_mean": pl.Float64(),
        "trailing_std": pl.Float64(),
        "is_hotspot": pl.Boolean(),
        "as_of": UTC_US,
    }
)
"""Columns of ``marts.hotspots`` in DDL order (concord/warehouse.py)."""


def daily_new_cases(case_facts: pl.LazyFrame, *, as_of: datetime, local_tz: str) -> pl.LazyFrame:
    """Cases detected per (category, local day), zero-filled from the first day with any case to the as-of day."""
    last_day = local_as_of_day(as_of, local_tz)
    counts = (
        case_facts.filter(pl.col("detected_at") <= utc_as_of(as_of))
        .group_by("category", day=local_day("detected_at", local_tz))
        .agg(new_cases=pl.len().cast(pl.Int64))
    )
    calendar = counts.select(day=pl.date_ranges(pl.col("day").min(), pl.lit(last_day), "1d")).explode("day")
    return (
        counts.select("category")
        .unique()
        .join(calendar, how="cross")
        .join(counts, on=["category", "day"], how="left")
        .with_columns(pl.col("new_cases").fill_null(0))
    )


def trailing_sum(values: pl.Expr, days: int = WINDOW_DAYS) -> pl.Expr:
    """Per category, the sum of ``values`` over the ``days`` days before each day; null without a full window.

    From running totals, so exact for integers. A day fewer than ``days`` days after the first day
    (with any case, of any category) has no full window.
    """
    before = values.cum_sum() - values  # the sum over every earlier day
    window = (before - before.shift(days)).over("category", order_by="day")
    full_window = pl.int_range(pl.len()).over("category", order_by="day") >= days
    return pl.when(full_window).then(window)


def is_hotspot(new_cases: pl.Expr, window_sum: pl.Expr, window_sum_sq: pl.Expr) -> pl.Expr:
    """new > mean, new - mean ≥ Z·std (population) and new ≥ MIN_CASES, in exact integer arithmetic.

    With n = WINDOW_DAYS, S = Σx and Q = Σx²: mean = S/n and n·std = √(nQ - S²), so
    new - mean ≥ Z·std with new > mean  ⟺  a = n·new - S satisfies a > 0 and a² ≥ Z²·(nQ - S²).
    No floating-point rounding can move a day across the threshold.
    """
    excess = WINDOW_DAYS * new_cases - window_sum
    spread = WINDOW_DAYS * window_sum_sq - window_sum * window_sum
    return (excess > 0) & (excess * excess >= Z_THRESHOLD * Z_THRESHOLD * spread) & (new_cases >= MIN_CASES)


def hotspots(case_facts: pl.LazyFrame, *, as_of: datetime, local_tz: str = "Asia/Ho_Chi_Minh") -> pl.LazyFrame:
    """``marts.hotspots``: one row per (category, local day); mean and std are null before 28 days of history."""
    n = WINDOW_DAYS
    total, total_sq = pl.col("window_sum"), pl.col("window_sum_sq")
    return (
        daily_new_cases(case_facts, as_of=as_of, local_tz=local_tz)
        .with_columns(
            window_sum=trailing_sum(pl.col("new_cases")),
            window_sum_sq=trailing_sum(pl.col("new_cases") * pl.col("new_cases")),
        )
        .with_columns(
            trailing_mean=total / n,
            trailing_std=(n * total_sq - total * total).sqrt() / n,
            is_hotspot=is_hotspot(pl.col("new_cases"), total, total_sq).fill_null(False),
            as_of=pl.lit(utc_as_of(as_of), dtype=UTC_US),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in HOTSPOTS_SCHEMA.items()])
        .sort("category", "day")
    )
