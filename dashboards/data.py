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
``load_*`` wrappers at the bottom only open the snapshot and cache the result.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

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
    agencies: pl.DataFrame  # agency_code, name, name_en
    categories: tuple[str, ...]
    severities: tuple[int, ...]


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


def _dims_where(f: Filters) -> tuple[list[str], list[object]]:
    """SQL conditions and parameters for the agency, category and severity filters."""
    clauses: list[str] = []
    params: list[object] = []
    for column, values in (("agency_code", f.agencies), ("category", f.categories), ("severity", f.severities)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    return clauses, params


# DuckDB 2.0: fetch every row of an execute() (fetchall) before the next statement on the connection.


def _where_sql(clauses: list[str]) -> str:
    return " AND ".join(clauses) if clauses else "TRUE"


def data_as_of(con: duckdb.DuckDBPyConnection) -> DataAsOf | None:
    """The latest completed run: its as-of time and when it finished."""
    row = con.execute(
        """
        SELECT run_id, as_of, finished_at FROM audit.runs
        WHERE status = 'completed'
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
        SELECT agency_code, coalesce(a.name, agency_code) AS name, coalesce(a.name_en, a.name, agency_code) AS name_en
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
    return FilterOptions(first_day, last_day, agencies, categories, severities)


def kpis(con: duckdb.DuckDBPyConnection, f: Filters, tz: str) -> Kpis:
    """The overview KPIs for the filters: additive counts from kpi_daily, the median from case_facts."""
    dims, dim_params = _dims_where(f)
    cases, met, breached, duplicates = con.execute(  # type: ignore[misc]
        f"""
        SELECT coalesce(sum(cases_detected), 0), coalesce(sum(sla_met), 0),
               coalesce(sum(sla_breached), 0), coalesce(sum(duplicates), 0)
        FROM marts.kpi_daily
        WHERE day BETWEEN ? AND ? AND {_where_sql(dims)}
        """,
        [f.start, f.end, *dim_params],
    ).fetchall()[0]
    (backlog,) = con.execute(  # type: ignore[misc]
        f"SELECT coalesce(sum(backlog_open), 0) FROM marts.kpi_daily WHERE day = ? AND {_where_sql(dims)}",
        [f.end, *dim_params],
    ).fetchall()[0]
    (median_tta,) = con.execute(  # type: ignore[misc]
        f"""
        SELECT quantile_cont(time_to_action_h, 0.5)
        FROM marts.case_facts
        WHERE timezone(?, detected_at)::DATE BETWEEN ? AND ?
          AND time_to_action_h IS NOT NULL AND {_where_sql(dims)}
        """,
        [tz, f.start, f.end, *dim_params],
    ).fetchall()[0]
    return Kpis(int(cases), median_tta, int(met), int(breached), int(backlog), int(duplicates))


def weekly_trend(con: duckdb.DuckDBPyConnection, f: Filters) -> pl.DataFrame:
    """Per ISO week of local days: cases detected, SLA met/breached and compliance (ratio, null if undecided)."""
    dims, dim_params = _dims_where(f)
    return con.sql(
        f"""
        SELECT strftime(date_trunc('week', day), '%G-W%V') AS iso_week,
               date_trunc('week', day)::DATE AS week_start,
               sum(cases_detected)::BIGINT AS cases,
               sum(sla_met)::BIGINT AS sla_met,
               sum(sla_breached)::BIGINT AS sla_breached,
               sum(sla_met) / nullif(sum(sla_met) + sum(sla_breached), 0) AS sla_compliance
        FROM marts.kpi_daily
        WHERE day BETWEEN ? AND ? AND {_where_sql(dims)}
        GROUP BY ALL
        ORDER BY week_start
        """,
        params=[f.start, f.end, *dim_params],
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
