"""Queries behind the auditor pages: validation results, quarantined rows, batch reconciliation, freshness, volumes.

Same rules as ``dashboards.data``: every query runs on a read-only attachment of the serving copy
(``data.read_serving``), takes a connection and returns Polars frames or plain values; the ``load_*``
wrappers cache by :class:`data.Snapshot`, so a publish invalidates them. Instants are shown in local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl
import streamlit as st

# Freshness lives in concord.freshness (shared with `concord status`); re-exported for the pages and tests.
from concord.freshness import FreshnessLimits as FreshnessLimits
from concord.freshness import freshness as freshness
from concord.freshness import freshness_limit as freshness_limit
from concord.freshness import newest_loaded
from dashboards.data import Snapshot, read_serving

QUARANTINE_PAGE_ROWS = 1_000  # rows per page of the quarantine browser (shown and exported together)


# --- data quality -------------------------------------------------------------------------------------


def latest_validation_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run whose validations are the newest (it may be a failed run: that is when auditors look)."""
    rows = con.execute(
        "SELECT run_id FROM audit.validations ORDER BY validated_at DESC, run_id DESC LIMIT 1"
    ).fetchall()
    return str(rows[0][0]) if rows else None


def suite_results(con: duckdb.DuckDBPyConnection, run_id: str, tz: str) -> pl.DataFrame:
    """Per suite of ``run_id``: suite, table, validated (local), evaluated, failed, pass rate in [0, 1]."""
    return con.sql(
        """
        SELECT suite_name, table_name, timezone(?, max(validated_at)) AS validated_local,
               count(*) AS evaluated, count(*) FILTER (WHERE NOT success) AS failed,
               count(*) FILTER (WHERE success) / count(*) AS pass_rate
        FROM audit.validations WHERE run_id = ?
        GROUP BY ALL ORDER BY suite_name, table_name
        """,
        params=[tz, run_id],
    ).pl()


def pass_rate_trend(con: duckdb.DuckDBPyConnection, tz: str) -> pl.DataFrame:
    """Per (run, suite): when it was validated (local), evaluated, failed and pass rate, oldest first."""
    return con.sql(
        """
        SELECT run_id, suite_name, timezone(?, min(validated_at)) AS validated_local,
               count(*) AS evaluated, count(*) FILTER (WHERE NOT success) AS failed,
               count(*) FILTER (WHERE success) / count(*) AS pass_rate
        FROM audit.validations
        GROUP BY ALL ORDER BY validated_local, suite_name
        """,
        params=[tz],
    ).pl()


def failing_expectations(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """The failed expectations of ``run_id`` with what was observed and why the expectation exists."""
    return con.sql(
        """
        SELECT suite_name, table_name, expectation_type, column_name, observed_value,
               unexpected_count, element_count, why
        FROM audit.validations WHERE run_id = ? AND NOT success
        ORDER BY suite_name, expectation_type, column_name NULLS FIRST
        """,
        params=[run_id],
    ).pl()


# --- quarantine ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarantineFilters:
    """The quarantine browser's filters; an empty tuple means "all"."""

    sources: tuple[str, ...] = ()
    batches: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # a row matches when it carries any of them


@dataclass(frozen=True)
class QuarantineOptions:
    sources: tuple[str, ...]
    batches: tuple[str, ...]
    reasons: tuple[str, ...]


def quarantine_options(con: duckdb.DuckDBPyConnection) -> QuarantineOptions:
    """The sources, batches and reason codes present in ``quarantine.rows``."""

    def column(sql: str) -> tuple[str, ...]:
        return tuple(str(row[0]) for row in con.execute(sql).fetchall())

    return QuarantineOptions(
        column("SELECT DISTINCT source FROM quarantine.rows ORDER BY 1"),
        column("SELECT DISTINCT batch_id FROM quarantine.rows ORDER BY 1"),
        column("SELECT DISTINCT unnest(reason_codes) FROM quarantine.rows ORDER BY 1"),
    )


def _quarantine_where(f: QuarantineFilters) -> tuple[str, list[object]]:
    clauses = ["true"]
    params: list[object] = []
    for column, values in (("source", f.sources), ("batch_id", f.batches)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if f.reasons:
        clauses.append("list_has_any(reason_codes, ?::VARCHAR[])")
        params.append(list(f.reasons))
    return " AND ".join(clauses), params


def quarantine_count(con: duckdb.DuckDBPyConnection, f: QuarantineFilters) -> int:
    where, params = _quarantine_where(f)
    return int(con.execute(f"SELECT count(*) FROM quarantine.rows WHERE {where}", params).fetchall()[0][0])


def quarantine_reason_counts(con: duckdb.DuckDBPyConnection, f: QuarantineFilters) -> pl.DataFrame:
    """Per reason code: the matching rows that carry it (a row with two codes counts once for each)."""
    where, params = _quarantine_where(f)
    return con.sql(
        f"""
        SELECT reason_code, count(*) AS quarantined_rows
        FROM (SELECT unnest(reason_codes) AS reason_code FROM quarantine.rows WHERE {where})
        GROUP BY ALL ORDER BY quarantined_rows DESC, reason_code
        """,
        params=params,
    ).pl()


def quarantine_rows(
    con: duckdb.DuckDBPyConnection, f: QuarantineFilters, page: int = 1, page_rows: int = QUARANTINE_PAGE_ROWS
) -> pl.DataFrame:
    """One page (1-based) of the matching rows in a stable order: source, batch, row number, reason codes joined,
    raw row as JSON text."""
    where, params = _quarantine_where(f)
    return con.sql(
        f"""
        SELECT source, batch_id, row_number, array_to_string(reason_codes, ', ') AS reason_codes, raw::VARCHAR AS raw
        FROM quarantine.rows WHERE {where}
        ORDER BY source, batch_id, row_number
        LIMIT {int(page_rows)} OFFSET {(max(int(page), 1) - 1) * int(page_rows)}
        """,
        params=params,
    ).pl()


# --- reconciliation -----------------------------------------------------------------------------------


def batch_reconciliation(con: duckdb.DuckDBPyConnection, tz: str) -> pl.DataFrame:
    """Every batch, newest first: its counts and whether rows in = loaded + quarantined."""
    return con.sql(
        """
        SELECT run_id, source, file_name, left(file_sha256, 12) AS sha256_short, status, reason,
               rows_in, rows_loaded, rows_quarantined,
               rows_in = rows_loaded + rows_quarantined AS balanced,
               timezone(?, loaded_at) AS loaded_local
        FROM audit.batches
        ORDER BY loaded_at DESC, source, file_name
        """,
        params=[tz],
    ).pl()


def run_totals(con: duckdb.DuckDBPyConnection, tz: str) -> pl.DataFrame:
    """Per run that has batches (newest first): run status, batches, row totals and whether every batch balances."""
    return con.sql(
        """
        SELECT b.run_id, r.status AS run_status, timezone(?, r.started_at) AS started_local,
               count(*) AS batches,
               sum(b.rows_in)::BIGINT AS rows_in, sum(b.rows_loaded)::BIGINT AS rows_loaded,
               sum(b.rows_quarantined)::BIGINT AS rows_quarantined,
               bool_and(b.rows_in = b.rows_loaded + b.rows_quarantined) AS balanced
        FROM audit.batches b LEFT JOIN audit.runs r USING (run_id)
        GROUP BY b.run_id, r.status, r.started_at ORDER BY r.started_at DESC NULLS LAST, b.run_id DESC
        """,
        params=[tz],
    ).pl()


def latest_volume_checks(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The volume checks of the newest run that has any (``audit.volume_checks``): anomalies first, then by source."""
    return con.sql(
        """
        SELECT run_id, checked_at, source, status, rows_loaded, history_runs,
               baseline_median, lower_bound, upper_bound, reason
        FROM audit.volume_checks
        WHERE run_id = (SELECT run_id FROM audit.volume_checks ORDER BY checked_at DESC, run_id DESC LIMIT 1)
        ORDER BY status <> 'anomalous', source
        """
    ).pl()


# --- cached loaders -----------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def load_latest_validation_run(snap: Snapshot) -> str | None:
    return read_serving(snap, latest_validation_run)


@st.cache_data(show_spinner=False, max_entries=64)
def load_suite_results(snap: Snapshot, run_id: str, tz: str) -> pl.DataFrame:
    return read_serving(snap, suite_results, run_id, tz)


@st.cache_data(show_spinner=False, max_entries=64)
def load_pass_rate_trend(snap: Snapshot, tz: str) -> pl.DataFrame:
    return read_serving(snap, pass_rate_trend, tz)


@st.cache_data(show_spinner=False, max_entries=64)
def load_failing_expectations(snap: Snapshot, run_id: str) -> pl.DataFrame:
    return read_serving(snap, failing_expectations, run_id)


@st.cache_data(show_spinner=False, max_entries=64)
def load_quarantine_options(snap: Snapshot) -> QuarantineOptions:
    return read_serving(snap, quarantine_options)


@st.cache_data(show_spinner=False, max_entries=256)
def load_quarantine_count(snap: Snapshot, f: QuarantineFilters) -> int:
    return read_serving(snap, quarantine_count, f)


@st.cache_data(show_spinner=False, max_entries=256)
def load_quarantine_reason_counts(snap: Snapshot, f: QuarantineFilters) -> pl.DataFrame:
    return read_serving(snap, quarantine_reason_counts, f)


@st.cache_data(show_spinner=False, max_entries=256)
def load_quarantine_rows(snap: Snapshot, f: QuarantineFilters, page: int, page_rows: int) -> pl.DataFrame:
    return read_serving(snap, quarantine_rows, f, page, page_rows)


@st.cache_data(show_spinner=False, max_entries=64)
def load_batch_reconciliation(snap: Snapshot, tz: str) -> pl.DataFrame:
    return read_serving(snap, batch_reconciliation, tz)


@st.cache_data(show_spinner=False, max_entries=64)
def load_run_totals(snap: Snapshot, tz: str) -> pl.DataFrame:
    return read_serving(snap, run_totals, tz)


@st.cache_data(show_spinner=False, max_entries=64)
def load_latest_volume_checks(snap: Snapshot) -> pl.DataFrame:
    return read_serving(snap, latest_volume_checks)


@st.cache_data(show_spinner=False, max_entries=64)
def load_newest_loaded(snap: Snapshot) -> dict[str, datetime]:
    return read_serving(snap, newest_loaded)
