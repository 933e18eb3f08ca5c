"""Queries behind the dashboards, run against the *serving copy*, never the warehouse.

The pipeline publishes the serving copy by renaming a fresh file over the old one
(``concord.serving.publish``). The dashboard therefore:

- identifies a published copy by its :class:`Snapshot` (path, mtime_ns, inode), the cache key of every
  result, so the first rerun after a publish sees the new data;
- opens the file read-only for one query at a time and closes it right after, so it never holds a lock
  across reruns and a reader that is mid-query when the file is replaced keeps reading the old inode;
- attaches the file to a fresh in-memory DuckDB instead of ``duckdb.connect(path)``: DuckDB caches one
  database instance per path inside a process, and a connection opened while another thread still holds
  the old instance would silently read the *replaced* file.

Query functions take a connection (STYLE.md 5) and return plain values or Polars frames; the
``load_*`` wrappers at the bottom only open the snapshot and cache the result. Every figure is aggregated
here, in DuckDB SQL, from the row-level marts with the filters applied; medians and p90 use
``quantile_cont`` (linear interpolation, PRODUCT.md "Coordination metrics"). Days are local days.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import duckdb
import polars as pl
import streamlit as st

from concord.settings import Settings, serving_path
from concord.warehouse import connect

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    """One published serving copy: a new publish gets a new inode and mtime, hence a new cache key."""

    path: str
    mtime_ns: int
    inode: int


@dataclass(frozen=True)
class Filters:
    """The dashboard filters; an empty tuple means "all"."""

    start: date  # first local day, inclusive
    end: date  # last local day, inclusive
    agencies: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    severities: tuple[int, ...] = ()
    tiers: tuple[str, ...] = ()  # agencies of these tiers (staging.agencies.tier)
    platforms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dims:
    """Which columns of a mart the agency, category, severity and platform filters apply to (None: not at all).

    ``agency`` may name several columns: a hand-off matches an agency filter when either side is selected.
    """

    agency: tuple[str, ...] = ("agency_code",)
    category: str | None = "category"
    severity: str | None = "severity"
    platform: str | None = "platform"


CASE_DIMS = Dims()
HANDOFF_DIMS = Dims(agency=("from_agency", "to_agency"))
REQUEST_DIMS = Dims(agency=("case_agency",))
HOTSPOT_DIMS = Dims(agency=(), severity=None, platform=None)  # hotspots are per category for the whole network
AGENCY_DIMS = Dims(category=None, severity=None, platform=None)  # which agencies a scorecard lists


@dataclass(frozen=True)
class DataAsOf:
    """The latest completed run in the serving copy."""

    run_id: str
    as_of: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class FilterOptions:
    """What the filters can choose from."""

    first_day: date
    last_day: date
    agencies: pl.DataFrame  # agency_code, name, name_en, tier
    categories: tuple[str, ...]
    severities: tuple[int, ...]
    tiers: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kpis:
    """The overview tiles for one filter selection."""

    cases: int
    median_time_to_action_h: float | None
    sla_met: int
    sla_breached: int
    backlog_open: int
    duplicates: int

    @property
    def sla_compliance(self) -> float | None:
        """met / (met + breached); None when no case is decided yet."""
        decided = self.sla_met + self.sla_breached
        return self.sla_met / decided if decided else None

    @property
    def duplicate_rate(self) -> float | None:
        """uncoordinated duplicates / cases; None without cases."""
        return self.duplicates / self.cases if self.cases else None


# --- locating and opening the serving copy ---------------------------------------------------------


def serving_file() -> Path:
    """The serving copy: ``CONCORD_SERVING`` if set, else the copy next to the configured warehouse."""
    explicit = os.environ.get("CONCORD_SERVING")
    return Path(explicit) if explicit else serving_path(Settings().db_path)


def local_tz() -> str:
    """The time zone of reporting days."""
    return Settings().local_tz


def snapshot(path: Path) -> Snapshot | None:
    """The identity of the copy currently published at ``path``, or None if there is none yet."""
    try:
        st_ = path.stat()
    except FileNotFoundError:
        return None
    return Snapshot(str(path.resolve()), st_.st_mtime_ns, st_.st_ino)


def read_serving(snap: Snapshot, query: Callable[..., T], *args: object) -> T:
    """Run ``query(con, *args)`` on a read-only attachment of the serving copy, then close it."""
    con = connect(":memory:")
    try:
        escaped = snap.path.replace("'", "''")
        con.execute(f"ATTACH '{escaped}' AS serving (READ_ONLY)")
        con.execute("USE serving")
        return query(con, *args)
    finally:
        con.close()


# --- queries (connection in, values out) ------------------------------------------------------------

# The tiers in their administrative order (PRODUCT.md, "agencies"); an unknown tier sorts after them.
TIER_ORDER = ("national", "city", "district", "ward")
# Backlog age buckets of marts.backlog_daily, youngest first.
AGE_BUCKETS = ("0-1d", "1-3d", "3-7d", "7-30d", "30d+")
# Case-flow end states of marts.case_facts.outcome, in flow order.
OUTCOMES = ("actioned", "closed", "rejected", "open")
GRAINS = ("week", "month")


def _in(column: str, values: tuple[object, ...]) -> str:
    return f"{column} IN ({', '.join('?' * len(values))})"


def _dims_where(f: Filters, dims: Dims = CASE_DIMS) -> tuple[list[str], list[object]]:
    """SQL conditions and parameters for the agency, tier, category, severity and platform filters."""
    clauses: list[str] = []
    params: list[object] = []
    if dims.agency and (f.agencies or f.tiers):
        sides: list[str] = []
        for column in dims.agency:
            parts: list[str] = []
            if f.agencies:
                parts.append(_in(column, f.agencies))
                params.extend(f.agencies)
            if f.tiers:
                parts.append(f"{column} IN (SELECT agency_code FROM staging.agencies WHERE {_in('tier', f.tiers)})")
                params.extend(f.tiers)
            sides.append(" AND ".join(parts))
        clauses.append("(" + " OR ".join(sides) + ")")
    others: tuple[tuple[str | None, tuple[object, ...]], ...] = (
        (dims.category, f.categories),
        (dims.severity, f.severities),
        (dims.platform, f.platforms),
    )
    for dim, values in others:
        if dim and values:
            clauses.append(_in(dim, values))
            params.extend(values)
    return clauses, params


def _where_sql(clauses: list[str]) -> str:
    return " AND ".join(clauses) if clauses else "TRUE"


def local_days_as_utc_range(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """[local midnight starting ``start``, local midnight after ``end``) as UTC instants."""
    zone = ZoneInfo(tz)
    first = datetime.combine(start, time(), zone)
    after = datetime.combine(end + timedelta(days=1), time(), zone)
    return first.astimezone(UTC), after.astimezone(UTC)


def _where(
    f: Filters, *, instant: str | None = None, day: str | None = None, tz: str = "", dims: Dims = CASE_DIMS
) -> tuple[str, list[object]]:
    """The WHERE condition and its parameters: the local days of ``instant`` (or the DATE ``day``) and the dims."""
    params: list[object]
    if instant is not None:
        # The local days as a UTC range: comparing the stored instants is ~3x faster than converting each row.
        clauses, params = [f"{instant} >= ? AND {instant} < ?"], list(local_days_as_utc_range(f.start, f.end, tz))
    elif day is not None:
        clauses, params = [f"{day} BETWEEN ? AND ?"], [f.start, f.end]
    else:
        clauses, params = [], []
    dim_clauses, dim_params = _dims_where(f, dims)
    return _where_sql(clauses + dim_clauses), params + dim_params


# DuckDB 2.0: fetch every row of an execute() (fetchall) before the next statement on the connection.


# The flows whose runs rebuild the marts (flows/pipeline.py, flows/backfill.py).
MART_FLOWS = ("concord-pipeline", "concord-metrics", "concord-backfill")


def data_as_of(con: duckdb.DuckDBPyConnection) -> DataAsOf | None:
    """The latest completed run that built the marts: its as-of time and when it finished.

    Ingest and report runs (``concord-ingest``, ``concord-reports``) leave the marts as they were, so their
    as-of would claim fresher figures than the marts hold.
    """
    row = con.execute(
        f"""
        SELECT run_id, as_of, finished_at FROM audit.runs
        WHERE status = 'completed' AND coalesce(flow, 'concord-pipeline') IN {MART_FLOWS}
        ORDER BY finished_at DESC NULLS LAST, as_of DESC
        LIMIT 1
        """
    ).fetchall()
    return DataAsOf(*row[0]) if row else None


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions | None:
    """Day bounds and choices for the filters; None when the daily KPI mart is empty."""
    first_day, last_day = con.execute("SELECT min(day), max(day) FROM marts.kpi_daily").fetchall()[0]  # type: ignore[misc]
    if first_day is None:
        return None
    agencies = con.sql(
        """
        SELECT agency_code, coalesce(a.name, agency_code) AS name,
               coalesce(a.name_en, a.name, agency_code) AS name_en, a.tier
        FROM (SELECT agency_code FROM staging.agencies UNION SELECT DISTINCT agency_code FROM marts.kpi_daily) codes
        LEFT JOIN staging.agencies a USING (agency_code)
        ORDER BY name, agency_code
        """
    ).pl()
    categories = tuple(r[0] for r in con.sql("SELECT DISTINCT category FROM marts.kpi_daily ORDER BY 1").fetchall())
    severities = tuple(
        r[0]
        for r in con.sql(
            "SELECT s FROM (SELECT unnest([1, 2, 3, 4]) AS s UNION SELECT DISTINCT severity FROM marts.kpi_daily) ORDER BY s"
        ).fetchall()
    )
    tiers = tuple(
        sorted(
            (r[0] for r in con.sql("SELECT DISTINCT tier FROM staging.agencies WHERE tier IS NOT NULL").fetchall()),
            key=lambda tier: (TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER), tier),
        )
    )
    platforms = tuple(r[0] for r in con.sql("SELECT DISTINCT platform FROM marts.kpi_daily ORDER BY 1").fetchall())
    return FilterOptions(first_day, last_day, agencies, categories, severities, tiers, platforms)


# --- overview -----------------------------------------------------------------------------------------


def kpis(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> Kpis:
    """The overview KPIs for the filters: additive counts from kpi_daily, the median from case_facts."""
    where, params = _where(f, day="day")
    cases, met, breached, duplicates = con.execute(  # type: ignore[misc]
        f"""
        SELECT coalesce(sum(cases_detected), 0), coalesce(sum(sla_met), 0),
               coalesce(sum(sla_breached), 0), coalesce(sum(duplicates), 0)
        FROM marts.kpi_daily
        WHERE {where}
        """,
        params,
    ).fetchall()[0]
    dims, dim_params = _dims_where(f)
    (backlog,) = con.execute(  # type: ignore[misc]
        f"SELECT coalesce(sum(backlog_open), 0) FROM marts.kpi_daily WHERE day = ? AND {_where_sql(dims)}",
        [f.end, *dim_params],
    ).fetchall()[0]
    where, params = _where(f, instant="detected_at", tz=tz)
    (median_tta,) = con.execute(  # type: ignore[misc]
        f"SELECT quantile_cont(time_to_action_h, 0.5) FROM marts.case_facts WHERE {where}",
        params,
    ).fetchall()[0]
    return Kpis(int(cases), median_tta, int(met), int(breached), int(backlog), int(duplicates))


def last_full_weeks(f: Filters) -> tuple[Filters, Filters] | None:
    """The filters narrowed to the week before the last full ISO week, and to that week; None if not both in range.

    A full ISO week runs Monday to Sunday; the last one ends on the last Sunday on or before ``f.end``.
    """
    last_sunday = f.end - timedelta(days=f.end.isoweekday() % 7)
    this_monday = last_sunday - timedelta(days=6)
    previous_monday = this_monday - timedelta(days=7)
    if previous_monday < f.start:
        return None
    previous = replace(f, start=previous_monday, end=this_monday - timedelta(days=1))
    return previous, replace(f, start=this_monday, end=last_sunday)


def weekly_trend(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Per ISO week of local days: cases detected, SLA met/breached and compliance (ratio, null if undecided)."""
    where, params = _where(f, day="day")
    return con.sql(
        f"""
        SELECT strftime(date_trunc('week', day), '%G-W%V') AS iso_week,
               date_trunc('week', day)::DATE AS week_start,
               sum(cases_detected)::BIGINT AS cases,
               sum(sla_met)::BIGINT AS sla_met,
               sum(sla_breached)::BIGINT AS sla_breached,
               sum(sla_met) / nullif(sum(sla_met) + sum(sla_breached), 0) AS sla_compliance
        FROM marts.kpi_daily
        WHERE {where}
        GROUP BY ALL
        ORDER BY week_start
        """,
        params=params,
    ).pl()


# --- trends -------------------------------------------------------------------------------------------


def trends(con: duckdb.DuckDBPyConnection, f: Filters, tz: str, grain: str) -> pl.DataFrame:
    """Per ISO week or calendar month of detection (local days): cases, median durations, SLA and duplicate rates."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, got {grain!r}")
    label = "%G-W%V" if grain == "week" else "%Y-%m"
    where, params = _where(f, instant="detected_at", tz=tz)
    return con.sql(
        f"""
        WITH facts AS (
            SELECT date_trunc('{grain}', timezone(?, detected_at)::DATE)::DATE AS period_start, *
            FROM marts.case_facts
            WHERE {where}
        )
        SELECT strftime(period_start, '{label}') AS period,
               period_start,
               count(*) AS cases,
               quantile_cont(time_to_triage_h, 0.5) AS median_triage_h,
               quantile_cont(time_to_action_h, 0.5) AS median_action_h,
               quantile_cont(time_to_close_h, 0.5) AS median_close_h,
               count(*) FILTER (WHERE sla_status = 'met') AS sla_met,
               count(*) FILTER (WHERE sla_status = 'breached') AS sla_breached,
               count(*) FILTER (WHERE sla_status = 'met')
                   / nullif(count(*) FILTER (WHERE sla_status IN ('met', 'breached')), 0) AS sla_compliance,
               count(*) FILTER (WHERE is_uncoordinated_duplicate) AS duplicates,
               count(*) FILTER (WHERE is_uncoordinated_duplicate) / count(*) AS duplicate_rate
        FROM facts
        GROUP BY ALL
        ORDER BY period_start
        """,
        params=[tz, *params],
    ).pl()


# --- agency scorecards --------------------------------------------------------------------------------

SCORECARD_METRICS = (
    "cases",
    "median_action_h",
    "sla_compliance",
    "duplicate_rate",
    "handoffs_sent",
    "handoffs_received",
    "median_ack_h",
)


def _scorecard_sql(f: Filters, tz: str, *, agency_filters: bool) -> tuple[str, list[object]]:
    """One row per agency: case figures (by detection day) and hand-offs sent/received (by sending day)."""
    case_where, case_params = _where(replace(f, agencies=(), tiers=()), instant="detected_at", tz=tz)
    handoff_where, handoff_params = _where(
        replace(f, agencies=(), tiers=()), instant="sent_at", tz=tz, dims=HANDOFF_DIMS
    )
    agency_where, agency_params = _dims_where(f, AGENCY_DIMS) if agency_filters else ([], [])
    sql = f"""
        WITH codes AS (
            SELECT agency_code FROM staging.agencies UNION SELECT DISTINCT agency_code FROM marts.case_facts
        ),
        facts AS (
            SELECT agency_code,
                   count(*) AS cases,
                   quantile_cont(time_to_action_h, 0.5) AS median_action_h,
                   count(*) FILTER (WHERE sla_status = 'met')
                       / nullif(count(*) FILTER (WHERE sla_status IN ('met', 'breached')), 0) AS sla_compliance,
                   count(*) FILTER (WHERE is_uncoordinated_duplicate) / count(*) AS duplicate_rate
            FROM marts.case_facts WHERE {case_where} GROUP BY agency_code
        ),
        handoffs AS (SELECT * FROM marts.handoffs WHERE {handoff_where}),
        sent AS (SELECT from_agency AS agency_code, count(*) AS handoffs_sent FROM handoffs GROUP BY ALL),
        received AS (
            SELECT to_agency AS agency_code, count(*) AS handoffs_received,
                   quantile_cont(ack_latency_h, 0.5) AS median_ack_h
            FROM handoffs GROUP BY ALL
        )
        SELECT agency_code,
               coalesce(a.name, agency_code) AS name,
               coalesce(a.name_en, a.name, agency_code) AS name_en,
               a.tier,
               coalesce(facts.cases, 0) AS cases,
               facts.median_action_h, facts.sla_compliance, facts.duplicate_rate,
               coalesce(sent.handoffs_sent, 0) AS handoffs_sent,
               coalesce(received.handoffs_received, 0) AS handoffs_received,
               received.median_ack_h
        FROM codes
        LEFT JOIN staging.agencies a USING (agency_code)
        LEFT JOIN facts USING (agency_code)
        LEFT JOIN sent USING (agency_code)
        LEFT JOIN received USING (agency_code)
        WHERE {_where_sql(agency_where)}
    """
    return sql, [*case_params, *handoff_params, *agency_params]


def scorecards(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> pl.DataFrame:
    """One row per agency of the selected agencies/tiers (also those without activity), by tier then name."""
    sql, params = _scorecard_sql(f, tz, agency_filters=True)
    tier_rank = " ".join(f"WHEN '{tier}' THEN {rank}" for rank, tier in enumerate(TIER_ORDER))
    return con.sql(
        f"SELECT * FROM ({sql}) ORDER BY CASE tier {tier_rank} ELSE 99 END, tier, name, agency_code",
        params=params,
    ).pl()


def network_medians(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> dict[str, float | None]:
    """The median over every agency of the network (agency and tier filters ignored) of each scorecard figure.

    Agencies without a value (e.g. no actioned case, so no median time to action) are left out of that median;
    counts include agencies with zero.
    """
    sql, params = _scorecard_sql(f, tz, agency_filters=False)
    columns = ", ".join(f"quantile_cont({m}, 0.5) AS {m}" for m in SCORECARD_METRICS)
    row = con.execute(f"SELECT {columns} FROM ({sql})", params).fetchall()[0]
    return dict(zip(SCORECARD_METRICS, row, strict=True))


# --- coordination -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoffSummary:
    """Hand-offs sent on the selected days: counts, stalled, ping-pong and the median acknowledgement latency."""

    handoffs: int
    stalled: int
    ping_pong: int
    median_ack_h: float | None

    @property
    def stalled_rate(self) -> float | None:
        return self.stalled / self.handoffs if self.handoffs else None

    @property
    def ping_pong_rate(self) -> float | None:
        return self.ping_pong / self.handoffs if self.handoffs else None


def handoff_summary(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> HandoffSummary:
    """Counts over the hand-offs sent on the selected days (either side in the agency/tier selection)."""
    where, params = _where(f, instant="sent_at", tz=tz, dims=HANDOFF_DIMS)
    handoffs, stalled, ping_pong, median_ack = con.execute(  # type: ignore[misc]
        f"""
        SELECT count(*), count(*) FILTER (WHERE is_stalled), count(*) FILTER (WHERE is_ping_pong),
               quantile_cont(ack_latency_h, 0.5)
        FROM marts.handoffs WHERE {where}
        """,
        params,
    ).fetchall()[0]
    return HandoffSummary(int(handoffs), int(stalled), int(ping_pong), median_ack)


def handoff_matrix(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> pl.DataFrame:
    """Per (from agency, to agency): hand-offs, median acknowledgement latency (h), stalled hand-offs."""
    where, params = _where(f, instant="sent_at", tz=tz, dims=HANDOFF_DIMS)
    return con.sql(
        f"""
        SELECT from_agency, to_agency, count(*) AS handoffs,
               quantile_cont(ack_latency_h, 0.5) AS median_ack_h, count(*) FILTER (WHERE is_stalled) AS stalled
        FROM marts.handoffs WHERE {where}
        GROUP BY ALL ORDER BY from_agency, to_agency
        """,
        params=params,
    ).pl()


def oldest_stalled(con: duckdb.DuckDBPyConnection, f: Filters, tz: str, limit: int = 50) -> pl.DataFrame:
    """The stalled hand-offs that waited longest: case key, from, to, sent (local time), hours waiting.

    Hours waiting runs to the acknowledgement, or to the as-of time while there is none (``still_waiting``).
    """
    where, params = _where(f, instant="sent_at", tz=tz, dims=HANDOFF_DIMS)
    return con.sql(
        f"""
        SELECT case_agency, case_id, from_agency, to_agency, timezone(?, sent_at) AS sent_local,
               coalesce(acknowledged_at > as_of, acknowledged_at IS NULL) AS still_waiting,
               CASE WHEN still_waiting THEN epoch(as_of - sent_at) / 3600 ELSE ack_latency_h END AS hours_waiting
        FROM marts.handoffs WHERE is_stalled AND {where}
        ORDER BY still_waiting DESC, hours_waiting DESC, case_agency, case_id
        LIMIT {int(limit)}
        """,
        params=[tz, *params],
    ).pl()


def case_flow(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> pl.DataFrame:
    """Cases detected on the selected days by whether they were referred and by their end state (outcome)."""
    where, params = _where(f, instant="detected_at", tz=tz)
    return con.sql(
        f"""
        SELECT referrals > 0 AS referred, outcome, count(*) AS cases
        FROM marts.case_facts WHERE {where}
        GROUP BY ALL ORDER BY referred DESC, outcome
        """,
        params=params,
    ).pl()


# --- platforms ----------------------------------------------------------------------------------------


def platform_responsiveness(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> pl.DataFrame:
    """Per platform (and a total row with ``platform`` null) for requests sent on the selected days.

    Median and p90 of ``responded_at - requested_at`` over answered requests; enforcement rate =
    enforcement / (answered + no_response), pending excluded (PRODUCT.md).
    """
    where, params = _where(f, instant="requested_at", tz=tz, dims=REQUEST_DIMS)
    return con.sql(
        f"""
        SELECT platform,
               count(*) AS requests,
               count(*) FILTER (WHERE action = 'pending') AS pending,
               quantile_cont(response_h, 0.5) AS median_response_h,
               quantile_cont(response_h, 0.9) AS p90_response_h,
               count(*) FILTER (WHERE is_enforcement AND counts_for_rate) AS enforced,
               count(*) FILTER (WHERE counts_for_rate) AS counted,
               count(*) FILTER (WHERE is_enforcement AND counts_for_rate)
                   / nullif(count(*) FILTER (WHERE counts_for_rate), 0) AS enforcement_rate
        FROM marts.platform_requests WHERE {where}
        GROUP BY ROLLUP (platform)
        ORDER BY platform NULLS LAST
        """,
        params=params,
    ).pl()


# --- backlog ------------------------------------------------------------------------------------------


def backlog_by_day(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Open cases at the end of each selected local day by age bucket (days or buckets without any are absent)."""
    where, params = _where(f, day="day")
    return con.sql(
        f"""
        SELECT day, age_bucket, sum(open_cases)::BIGINT AS open_cases
        FROM marts.backlog_daily WHERE {where}
        GROUP BY ALL ORDER BY day, age_bucket
        """,
        params=params,
    ).pl()


def backlog_snapshot(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Open cases at the end of the last selected day, one row per age bucket (zero included), youngest first."""
    dims, dim_params = _dims_where(f)
    buckets = ", ".join(f"('{bucket}', {rank})" for rank, bucket in enumerate(AGE_BUCKETS))
    return con.sql(
        f"""
        WITH open AS (
            SELECT age_bucket, sum(open_cases) AS open_cases
            FROM marts.backlog_daily WHERE day = ? AND {_where_sql(dims)} GROUP BY ALL
        )
        SELECT b.age_bucket, coalesce(open.open_cases, 0)::BIGINT AS open_cases
        FROM (VALUES {buckets}) b(age_bucket, rank)
        LEFT JOIN open USING (age_bucket)
        ORDER BY b.rank
        """,
        params=[f.end, *dim_params],
    ).pl()


# --- hotspots -----------------------------------------------------------------------------------------


def hotspot_days(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Every (category, local day) in range with its new cases, trailing 28-day mean/std and hotspot flag.

    Only the date range and the category filter apply: a hotspot is a burst for the whole network.
    ``sigma`` is how many trailing standard deviations the day is above the trailing mean.
    """
    where, params = _where(f, day="day", dims=HOTSPOT_DIMS)
    return con.sql(
        f"""
        SELECT category, day, new_cases, trailing_mean, trailing_std,
               (new_cases - trailing_mean) / nullif(trailing_std, 0) AS sigma, is_hotspot
        FROM marts.hotspots WHERE {where}
        ORDER BY category, day
        """,
        params=params,
    ).pl()


# --- public responses ---------------------------------------------------------------------------------


# A case detected less than 48 h before as_of may still become covered: it is left out of the coverage ratio
# until its window has closed, so the ratio does not drop with every fresh case (docs/metrics.md).
_WINDOW_CLOSED = "detected_at <= as_of - INTERVAL 48 HOUR"


@dataclass(frozen=True)
class Coverage:
    """Eligible misinformation cases (reach ≥ 10,000) detected on the selected days and their public responses."""

    eligible: int  # all eligible cases
    decided: int  # of which detected at least 48 h before as_of: their 48 h window has closed
    covered: int  # of the decided ones, answered within 48 h
    median_response_h: float | None  # over every eligible case with a response

    @property
    def coverage(self) -> float | None:
        return self.covered / self.decided if self.decided else None

    @property
    def uncovered(self) -> int:
        return self.decided - self.covered

    @property
    def within_window(self) -> int:
        return self.eligible - self.decided


def coverage(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> Coverage:
    """Coverage within 48 h (over closed windows) and the median time to the first public response."""
    where, params = _where(f, instant="detected_at", tz=tz)
    eligible, decided, covered, median = con.execute(  # type: ignore[misc]
        f"""
        SELECT count(*), count(*) FILTER (WHERE {_WINDOW_CLOSED}),
               count(*) FILTER (WHERE covered_within_48h AND {_WINDOW_CLOSED}),
               quantile_cont(time_to_response_h, 0.5)
        FROM marts.public_response_coverage WHERE {where}
        """,
        params,
    ).fetchall()[0]
    return Coverage(int(eligible), int(decided), int(covered), median)


def uncovered_cases(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> pl.DataFrame:
    """Eligible cases whose 48 h window closed without a public response, widest reach first (case keys only)."""
    where, params = _where(f, instant="detected_at", tz=tz)
    return con.sql(
        f"""
        SELECT agency_code, case_id, category, reach, timezone(?, detected_at) AS detected_local, time_to_response_h
        FROM marts.public_response_coverage
        WHERE NOT covered_within_48h AND {_WINDOW_CLOSED} AND {where}
        ORDER BY reach DESC, detected_at, agency_code, case_id
        """,
        params=[tz, *params],
    ).pl()


def coverage_trend(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> pl.DataFrame:
    """Per ISO week of detection: eligible cases, those with a closed window, covered within 48 h, coverage."""
    where, params = _where(f, instant="detected_at", tz=tz)
    return con.sql(
        f"""
        WITH eligible AS (
            SELECT date_trunc('week', timezone(?, detected_at)::DATE)::DATE AS week_start,
                   {_WINDOW_CLOSED} AS decided, covered_within_48h AND {_WINDOW_CLOSED} AS covered
            FROM marts.public_response_coverage WHERE {where}
        )
        SELECT strftime(week_start, '%G-W%V') AS iso_week, week_start, count(*) AS eligible,
               count(*) FILTER (WHERE decided) AS decided,
               count(*) FILTER (WHERE covered) AS covered,
               count(*) FILTER (WHERE covered) / nullif(count(*) FILTER (WHERE decided), 0) AS coverage
        FROM eligible GROUP BY ALL ORDER BY week_start
        """,
        params=[tz, *params],
    ).pl()


# --- cached loaders: the snapshot is part of every key, so a publish invalidates them ---------------


@st.cache_data(show_spinner=False, max_entries=64)
def load_data_as_of(snap: Snapshot) -> DataAsOf | None:
    return read_serving(snap, data_as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def load_filter_options(snap: Snapshot) -> FilterOptions | None:
    return read_serving(snap, filter_options)


@st.cache_data(show_spinner=False, max_entries=256)
def load_kpis(snap: Snapshot, f: Filters, tz: str) -> Kpis:
    return read_serving(snap, kpis, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_weekly_trend(snap: Snapshot, f: Filters) -> pl.DataFrame:
    return read_serving(snap, weekly_trend, f)


@st.cache_data(show_spinner=False, max_entries=256)
def load_trends(snap: Snapshot, f: Filters, tz: str, grain: str) -> pl.DataFrame:
    return read_serving(snap, trends, f, tz, grain)


@st.cache_data(show_spinner=False, max_entries=256)
def load_scorecards(snap: Snapshot, f: Filters, tz: str) -> pl.DataFrame:
    return read_serving(snap, scorecards, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_network_medians(snap: Snapshot, f: Filters, tz: str) -> dict[str, float | None]:
    return read_serving(snap, network_medians, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_handoff_summary(snap: Snapshot, f: Filters, tz: str) -> HandoffSummary:
    return read_serving(snap, handoff_summary, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_handoff_matrix(snap: Snapshot, f: Filters, tz: str) -> pl.DataFrame:
    return read_serving(snap, handoff_matrix, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_oldest_stalled(snap: Snapshot, f: Filters, tz: str) -> pl.DataFrame:
    return read_serving(snap, oldest_stalled, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_case_flow(snap: Snapshot, f: Filters, tz: str) -> pl.DataFrame:
    return read_serving(snap, case_flow, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_platform_responsiveness(snap: Snapshot, f: Filters, tz: str) -> pl.DataFrame:
    return read_serving(snap, platform_responsiveness, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_backlog_by_day(snap: Snapshot, f: Filters) -> pl.DataFrame:
    return read_serving(snap, backlog_by_day, f)


@st.cache_data(show_spinner=False, max_entries=256)
def load_backlog_snapshot(snap: Snapshot, f: Filters) -> pl.DataFrame:
    return read_serving(snap, backlog_snapshot, f)


@st.cache_data(show_spinner=False, max_entries=256)
def load_hotspot_days(snap: Snapshot, f: Filters) -> pl.DataFrame:
    return read_serving(snap, hotspot_days, f)


@st.cache_data(show_spinner=False, max_entries=256)
def load_coverage(snap: Snapshot, f: Filters, tz: str) -> Coverage:
    return read_serving(snap, coverage, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_uncovered_cases(snap: Snapshot, f: Filters, tz: str) -> pl.DataFrame:
    return read_serving(snap, uncovered_cases, f, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_coverage_trend(snap: Snapshot, f: Filters, tz: str) -> pl.DataFrame:
    return read_serving(snap, coverage_trend, f, tz)
