"""Lineage of a KPI (catalogue → tables → batches → files) and the health of its inputs, for the badges.

Queries run on the serving copy like ``dashboards.audit_data``: connection in, Polars frames out, ``load_*``
wrappers cached by :class:`data.Snapshot`. :func:`kpi_health` is pure: it turns the latest validation failures,
the freshness per source and the latest volume checks into warnings per KPI, with which input and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import duckdb
import polars as pl
import streamlit as st

from concord import catalogue
from dashboards import audit_data
from dashboards.data import Snapshot, read_serving

Reason = Literal["failed", "stale", "anomalous"]
REASONS: tuple[Reason, ...] = ("failed", "stale", "anomalous")


@dataclass(frozen=True)
class InputWarning:
    """One reason a KPI's input is not to be trusted as is, with the evidence (pages word it per language)."""

    table: str  # the input table, e.g. staging.cases
    source: str  # the inbox source behind it, e.g. cases ("" for a mart)
    reason: Reason
    suite: str | None = None  # failed: the suite and how many of its expectations failed
    failed: int | None = None
    age_days: float | None = None  # stale: days since the newest loaded batch (None: never loaded), and the limit
    limit_days: float | None = None
    note: str | None = None  # anomalous: the volume check's one-line reason


def kpi_inputs(metrics: Iterable[catalogue.Metric]) -> pl.DataFrame:
    """One row per (KPI id, input table, source): the tables as written in the catalogue and the staged ones behind
    them. Only implemented metrics have inputs worth checking."""
    chosen = tuple(metrics)
    rows = [
        {"kpi": m.id, "table": table, "source": catalogue.source_of(table) if table.startswith("staging.") else None}
        for m in chosen
        if m.implemented
        for table in dict.fromkeys((*m.inputs, *catalogue.staging_inputs(m, chosen)))
    ]
    return pl.DataFrame(rows, schema={"kpi": pl.String, "table": pl.String, "source": pl.String})


def kpi_health(
    inputs: pl.DataFrame, failures: pl.DataFrame, freshness: pl.DataFrame, volume: pl.DataFrame
) -> dict[str, tuple[InputWarning, ...]]:
    """Warnings per KPI id; a healthy KPI has no key.

    - ``inputs``: kpi, table, source (:func:`kpi_inputs`);
    - ``failures``: table_name, suite_name, failed — the failed expectations per table of the latest validation run;
    - ``freshness``: source, stale, age_days, limit_days (``audit_data.freshness``);
    - ``volume``: source, status, reason — the latest run's ``audit.volume_checks``.
    """
    columns = ["suite", "failed", "age_days", "limit_days", "note"]
    nothing = {
        "suite": pl.lit(None, pl.String),
        "failed": pl.lit(None, pl.Int64),
        "age_days": pl.lit(None, pl.Float64),
        "limit_days": pl.lit(None, pl.Float64),
        "note": pl.lit(None, pl.String),
    }

    def evidence(**given: pl.Expr) -> list[pl.Expr]:
        return [given.get(name, nothing[name]).alias(name) for name in columns]

    failed = failures.filter(pl.col("failed") > 0).select(
        pl.col("table_name").alias("table"),
        pl.lit("failed").alias("reason"),
        *evidence(suite=pl.col("suite_name"), failed=pl.col("failed").cast(pl.Int64)),
    )
    stale = freshness.filter(pl.col("stale")).select(
        "source",
        pl.lit("stale").alias("reason"),
        *evidence(age_days=pl.col("age_days").cast(pl.Float64), limit_days=pl.col("limit_days").cast(pl.Float64)),
    )
    anomalous = volume.filter(pl.col("status") == "anomalous").select(
        "source", pl.lit("anomalous").alias("reason"), *evidence(note=pl.col("reason").cast(pl.String))
    )
    by_table = inputs.join(failed, on="table", how="inner")
    # A source's staleness or anomaly is told once per KPI, on the first of its tables the KPI reads.
    by_source = (
        inputs.filter(pl.col("source").is_not_null())
        .join(pl.concat([stale, anomalous]), on="source", how="inner", maintain_order="left")
        .unique(subset=["kpi", "source", "reason"], keep="first", maintain_order=True)
    )
    order = {reason: i for i, reason in enumerate(REASONS)}
    found = pl.concat([by_table, by_source]).with_columns(
        pl.col("reason").replace_strict(order, return_dtype=pl.Int8).alias("order")
    )
    health: dict[str, list[InputWarning]] = {}
    for row in found.sort("kpi", "order", "table", maintain_order=True).iter_rows(named=True):
        health.setdefault(row["kpi"], []).append(
            InputWarning(
                table=row["table"],
                source=row["source"] or "",
                reason=row["reason"],
                **{name: row[name] for name in columns},
            )
        )
    return {kpi: tuple(warnings) for kpi, warnings in health.items()}


def current_health(snap: Snapshot, now: datetime) -> dict[str, tuple[InputWarning, ...]]:
    """Warnings per KPI of the catalogue for the serving copy ``snap``, freshness judged at ``now``."""
    return kpi_health(
        kpi_inputs(catalogue.metrics()),
        load_latest_validation_failures(snap),
        audit_data.freshness(audit_data.load_newest_loaded(snap), now),
        audit_data.load_latest_volume_checks(snap),
    )


# --- queries ------------------------------------------------------------------------------------------


def latest_validation_failures(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per (table, suite) of the latest validation run: expectations evaluated and failed."""
    return con.sql(
        """
        SELECT table_name, suite_name, count(*) AS evaluated, count(*) FILTER (WHERE NOT success) AS failed
        FROM audit.validations
        WHERE run_id = (SELECT run_id FROM audit.validations ORDER BY validated_at DESC, run_id DESC LIMIT 1)
        GROUP BY ALL ORDER BY table_name, suite_name
        """
    ).pl()


def table_validations(con: duckdb.DuckDBPyConnection, tables: list[str], tz: str) -> pl.DataFrame:
    """Per table of ``tables`` (in that order) and suite: its newest validation (run, when, evaluated, failed).

    A table never validated keeps one row with empty suite and counts.
    """
    return con.sql(
        """
        WITH newest AS (
            SELECT table_name, suite_name, run_id, max(validated_at) AS validated_at,
                   count(*) AS evaluated, count(*) FILTER (WHERE NOT success) AS failed
            FROM audit.validations WHERE list_contains($tables, table_name)
            GROUP BY table_name, suite_name, run_id
            QUALIFY row_number() OVER (PARTITION BY table_name, suite_name ORDER BY max(validated_at) DESC, run_id DESC) = 1
        )
        SELECT t.table_name, n.suite_name, n.run_id, timezone($tz, n.validated_at) AS validated_local,
               n.evaluated, n.failed, n.failed = 0 AS passed
        FROM (SELECT unnest($tables::VARCHAR[]) AS table_name) t LEFT JOIN newest n USING (table_name)
        ORDER BY list_position($tables, t.table_name), n.suite_name
        """,
        params={"tz": tz, "tables": tables},
    ).pl()


def table_batches(con: duckdb.DuckDBPyConnection, tables: list[str], tz: str) -> pl.DataFrame:
    """Every batch whose rows are in one of ``tables`` (from ``audit.lineage``), with its file and counts.

    ``rows_in_table`` is how many of the table's current rows came from the batch (later corrections may have
    replaced some); a batch id unknown to ``audit.batches`` keeps its row with empty file columns.
    """
    return con.sql(
        """
        SELECT l.table_name, l.batch_id, b.run_id, b.source, b.file_name, b.file_sha256,
               b.rows_in, b.rows_loaded, b.rows_quarantined, l.rows AS rows_in_table,
               timezone($tz, b.loaded_at) AS loaded_local
        FROM audit.lineage l LEFT JOIN audit.batches b USING (batch_id)
        WHERE list_contains($tables, l.table_name)
        ORDER BY list_position($tables, l.table_name), b.loaded_at DESC NULLS LAST, l.batch_id
        """,
        params={"tz": tz, "tables": tables},
    ).pl()


# --- cached loaders -----------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def load_latest_validation_failures(snap: Snapshot) -> pl.DataFrame:
    return read_serving(snap, latest_validation_failures)


@st.cache_data(show_spinner=False, max_entries=256)
def load_table_validations(snap: Snapshot, tables: tuple[str, ...], tz: str) -> pl.DataFrame:
    return read_serving(snap, table_validations, list(tables), tz)


@st.cache_data(show_spinner=False, max_entries=256)
def load_table_batches(snap: Snapshot, tables: tuple[str, ...], tz: str) -> pl.DataFrame:
    return read_serving(snap, table_batches, list(tables), tz)
