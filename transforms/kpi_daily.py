"""Daily KPIs per (local day, agency, category, severity, platform), built from ``marts.case_facts``.

Builds ``marts.kpi_daily``. Days are local-time days (PRODUCT.md, "Parsing rules"); detection,
SLA and duplicate counts fall on the day of detection, actions on the day of the first enforcement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from transforms.case_facts import UTC_US, utc_as_of

DIMENSIONS = ["agency_code", "category", "severity", "platform"]

COUNTS = ["cases_detected", "cases_actioned", "sla_met", "sla_breached", "sla_pending", "duplicates", "backlog_open"]

KPI_DAILY_SCHEMA = pl.Schema(
    {
        "day": pl.Date(),
        "agency_code": pl.String(),
        "category": pl.String(),
        "severity": pl.Int8(),
        "platform": pl.String(),
        **dict.fromkeys(COUNTS, pl.Int64()),
        "as_of": UTC_US,
    }
)
"""Columns of ``marts.kpi_daily`` in DDL order (concord/warehouse.py)."""


def local_day(column: str, local_tz: str) -> pl.Expr:
    """The local calendar date of a UTC timestamp column."""
    return pl.col(column).dt.convert_time_zone(local_tz).dt.date()


def local_as_of_day(as_of: datetime, local_tz: str) -> date:
    """The local calendar date of the as-of instant: the last day kpi_daily reports."""
    return utc_as_of(as_of).astimezone(ZoneInfo(local_tz)).date()


def dimension_combos(case_facts: pl.LazyFrame) -> pl.LazyFrame:
    """Each distinct combination of DIMENSIONS, numbered from 0 in sorted order (``combo``, UInt32)."""
    return case_facts.select(DIMENSIONS).unique().sort(DIMENSIONS).with_row_index("combo")


def daily_changes(case_facts: pl.LazyFrame, local_tz: str, keys: Sequence[str] = DIMENSIONS) -> pl.LazyFrame:
    """Per key (the dimensions) and local day: counts of events on that day and the net change of the backlog."""
    flag = {"cases_detected": pl.lit(1, dtype=pl.Int64)} | {
        f"sla_{status}": (pl.col("sla_status") == status).cast(pl.Int64) for status in ("met", "breached", "pending")
    }
    on_detection = case_facts.select(
        *keys,
        day=local_day("detected_at", local_tz),
        **flag,
        duplicates=pl.col("is_uncoordinated_duplicate").cast(pl.Int64),
        backlog_change=pl.lit(1, dtype=pl.Int64),
    )
    on_action = case_facts.filter(pl.col("actioned_at").is_not_null()).select(
        *keys, day=local_day("actioned_at", local_tz), cases_actioned=pl.lit(1, dtype=pl.Int64)
    )
    # Open at the end of day d means closed_at ≥ local midnight after d, i.e. closed on a later local
    # day; so the case leaves the backlog on its closing day. A closure recorded before detection
    # (invalid, but cheap to guard) leaves on the detection day, so it never counts as open.
    on_close = case_facts.filter(pl.col("closed_at").is_not_null()).select(
        *keys,
        day=pl.max_horizontal(local_day("closed_at", local_tz), local_day("detected_at", local_tz)),
        backlog_change=pl.lit(-1, dtype=pl.Int64),
    )
    return (
        pl.concat([on_detection, on_action, on_close], how="diagonal")
        .group_by(*keys, "day")
        .agg(pl.exclude(*keys, "day").sum())
    )


def kpi_daily(case_facts: pl.LazyFrame, *, as_of: datetime, local_tz: str = "Asia/Ho_Chi_Minh") -> pl.LazyFrame:
    """``marts.kpi_daily``: one row per local day and dimension with any activity or open backlog."""
    last_day = local_as_of_day(as_of, local_tz)
    # The work runs on one small integer per dimension combination, not on four text columns.
    combos = dimension_combos(case_facts)
    keyed = case_facts.join(combos, on=DIMENSIONS).cache()  # read by three event branches; see backlog.py
    changes = daily_changes(keyed, local_tz, keys=["combo"]).filter(pl.col("day") <= last_day)
    # A full calendar per dimension (dimensions x days, never cases x days) so the backlog carries
    # over days without events; the running sum of +1 at detection / -1 at closure is the backlog.
    calendar = changes.select(day=pl.date_range(pl.col("day").min().fill_null(last_day), pl.lit(last_day), "1d"))
    grid = changes.select("combo").unique().join(calendar, how="cross")
    counts = [c for c in COUNTS if c != "backlog_open"]
    return (
        grid.join(changes, on=["combo", "day"], how="left")
        .with_columns(pl.col(*counts, "backlog_change").fill_null(0))
        .with_columns(backlog_open=pl.col("backlog_change").cum_sum().over("combo", order_by="day"))
        .filter(pl.any_horizontal(pl.col(*COUNTS) != 0))
        # Combos are numbered in sorted order, so this sorts by (day, *DIMENSIONS) on integers.
        .sort("day", "combo")
        .join(combos, on="combo", maintain_order="left")
        .with_columns(as_of=pl.lit(utc_as_of(as_of), dtype=UTC_US))
        .select([pl.col(name).cast(dtype) for name, dtype in KPI_DAILY_SCHEMA.items()])
    )
