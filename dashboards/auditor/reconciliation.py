"""Auditors: per batch and per run, rows in = loaded + quarantined; freshness and volume of each source."""

from __future__ import annotations

from datetime import UTC, datetime

import altair as alt
import polars as pl
import streamlit as st

from dashboards import audit_data, components, i18n

page = components.audit_header("reconciliation_title")
lang = page.lang
st.caption(i18n.t("reconciliation_caption", lang))
with components.read_errors_shown(page.snap, lang):
    batches = audit_data.load_batch_reconciliation(page.snap, page.tz)
    runs = audit_data.load_run_totals(page.snap, page.tz)
    newest = audit_data.load_newest_loaded(page.snap)
    volumes = audit_data.load_latest_volume_checks(page.snap)
now = datetime.now(UTC)
fresh = audit_data.freshness(newest, now)

tiles = [
    ("kpi_batches", i18n.fmt_int(batches.height, lang)),
    ("kpi_unbalanced", i18n.fmt_int(batches.filter(~pl.col("balanced")).height, lang)),
    ("kpi_stale", f"{i18n.fmt_int(int(fresh['stale'].sum()), lang)} / {i18n.fmt_int(fresh.height, lang)}"),
]
for column, (key, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    components.tile(column, i18n.t(key, lang), value, i18n.t(f"{key}_help", lang))


def check(column: str) -> pl.Expr:
    """A check mark for true, a cross for false (the export keeps the same symbols)."""
    return pl.when(pl.col(column)).then(pl.lit("✅")).otherwise(pl.lit("❌"))


st.subheader(i18n.t("runs_title", lang))
run, kind, rows_label = i18n.t("col_run", lang), i18n.t("rows_kind", lang), i18n.t("col_rows", lang)
loaded, quarantined = i18n.t("col_rows_loaded", lang), i18n.t("col_rows_quarantined", lang)
long = runs.unpivot(index="run_id", on=["rows_loaded", "rows_quarantined"], variable_name="kind", value_name="rows")
long = long.with_columns(
    pl.col("kind").replace_strict({"rows_loaded": loaded, "rows_quarantined": quarantined}).alias("kind")
)
runs_chart = (
    alt.Chart(long.to_pandas())
    .mark_bar()
    .encode(
        x=alt.X("run_id:N", title=run),
        y=alt.Y("rows:Q", title=rows_label, axis=alt.Axis(format="d", tickMinStep=1)),
        color=alt.Color("kind:N", title=kind),
        tooltip=[
            alt.Tooltip("run_id:N", title=run),
            alt.Tooltip("kind:N", title=kind),
            alt.Tooltip("rows:Q", title=rows_label, format=",d"),
        ],
    )
)
components.chart_and_table(
    runs_chart,
    runs.select(
        pl.col("run_id").alias(run),
        pl.col("run_status").alias(i18n.t("col_run_status", lang)),
        pl.col("started_local").alias(i18n.t("col_started_at", lang)),
        pl.col("batches").alias(i18n.t("col_batches", lang)),
        pl.col("rows_in").alias(i18n.t("col_rows_in", lang)),
        pl.col("rows_loaded").alias(loaded),
        pl.col("rows_quarantined").alias(quarantined),
        check("balanced").alias(i18n.t("col_balanced", lang)),
    ),
    lang,
    file_stem="concord_run_totals",
)

st.subheader(i18n.t("batches_title", lang))
components.table_with_exports(
    batches.select(
        pl.col("run_id").alias(run),
        pl.col("source").alias(i18n.t("source", lang)),
        pl.col("file_name").alias(i18n.t("col_file", lang)),
        pl.col("sha256_short").alias(i18n.t("col_sha256", lang)),
        pl.col("status").alias(i18n.t("col_status", lang)),
        pl.col("reason").alias(i18n.t("col_reason", lang)),
        pl.col("rows_in").alias(i18n.t("col_rows_in", lang)),
        pl.col("rows_loaded").alias(loaded),
        pl.col("rows_quarantined").alias(quarantined),
        check("balanced").alias(i18n.t("col_balanced", lang)),
        pl.col("loaded_local").alias(i18n.t("col_loaded_at", lang)),
    ),
    lang,
    file_stem="concord_batches",
)

st.subheader(i18n.t("freshness_title", lang))
st.caption(i18n.t("freshness_caption", lang, now=i18n.fmt_datetime(now, lang, page.tz)))
components.table_with_exports(
    fresh.select(
        pl.col("source").alias(i18n.t("source", lang)),
        pl.col("newest_loaded_at")
        .dt.convert_time_zone(page.tz)
        .dt.replace_time_zone(None)
        .alias(i18n.t("col_newest_loaded", lang)),
        pl.col("age_days").round(1).alias(i18n.t("col_age_days", lang)),
        pl.col("limit_days").alias(i18n.t("col_limit_days", lang)),
        pl.when(pl.col("stale")).then(pl.lit("⚠️")).otherwise(pl.lit("✅")).alias(i18n.t("col_stale", lang)),
    ),
    lang,
    file_stem="concord_freshness",
)

st.subheader(i18n.t("volume_title", lang))
if volumes.is_empty():
    st.info(i18n.t("volume_none", lang))
else:
    checked = i18n.fmt_datetime(volumes.row(0, named=True)["checked_at"], lang, page.tz)
    st.caption(i18n.t("volume_caption", lang, run=volumes["run_id"][0], checked=checked))
    statuses = {s: i18n.t(f"volume_status_{s}", lang) for s in ("ok", "anomalous", "no_history", "no_delivery")}
    components.table_with_exports(
        volumes.select(
            pl.col("source").alias(i18n.t("source", lang)),
            pl.col("status").replace_strict(statuses, default=pl.col("status")).alias(i18n.t("col_status", lang)),
            pl.col("rows_loaded").alias(loaded),
            pl.col("history_runs").alias(i18n.t("col_history_runs", lang)),
            pl.col("baseline_median").alias(i18n.t("col_baseline_median", lang)),
            pl.col("lower_bound").round(1).alias(i18n.t("col_lower_bound", lang)),
            pl.col("upper_bound").round(1).alias(i18n.t("col_upper_bound", lang)),
            pl.col("reason").alias(i18n.t("col_reason", lang)),
        ),
        lang,
        file_stem="concord_volume_checks",
    )
