"""Auditors: one KPI traced from its definition to the mart tables, its input tables, their latest validation and
the batches and files (SHA-256) behind them. ``?kpi=<id>`` preselects a KPI (the leadership badges link here)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import streamlit as st

from concord import catalogue
from dashboards import components, i18n, lineage_data

KPI_KEY = "lineage_kpi"  # the selectbox's session-state key, mirrored in the query parameter ?kpi=

page = components.audit_header("lineage_title")
lang = page.lang
st.caption(i18n.t("lineage_caption", lang))

kpis = {m.id: m for m in catalogue.implemented()}
requested = st.query_params.get("kpi")
if requested is not None and requested not in kpis:
    st.warning(i18n.t("lineage_unknown_kpi", lang, kpi=requested))
elif requested is not None and st.session_state.get(KPI_KEY) != requested:
    st.session_state[KPI_KEY] = requested  # a link from a badge (or a shared URL) picks the KPI


def keep_choice_in_url() -> None:
    st.query_params["kpi"] = st.session_state[KPI_KEY]


kpi_id: str = st.selectbox(
    i18n.t("lineage_pick_kpi", lang),
    options=list(kpis),
    format_func=lambda k: i18n.METRIC_NAMES[k][lang],
    key=KPI_KEY,
    on_change=keep_choice_in_url,
)
metric = kpis[kpi_id]
staged = catalogue.staging_inputs(metric, catalogue.metrics())
inputs = tuple(dict.fromkeys((*metric.inputs, *staged)))
with components.read_errors_shown(page.snap, lang):
    validations = lineage_data.load_table_validations(page.snap, inputs, page.tz)
    batches = lineage_data.load_table_batches(page.snap, staged, page.tz)
    warnings = lineage_data.current_health(page.snap, datetime.now(UTC)).get(kpi_id, ())

st.subheader(i18n.METRIC_NAMES[kpi_id][lang])
definition = i18n.METRIC_DEFINITIONS_VI[kpi_id] if lang == "vi" else metric.definition
st.markdown(f"**{i18n.t('lineage_definition', lang)}:** {definition}")
st.caption(i18n.t("lineage_definition_source", lang, id=kpi_id))


def code_list(tables: tuple[str, ...]) -> str:
    return ", ".join(f"`{table}`" for table in tables)


lands, reads = st.columns(2)
lands.markdown(f"**{i18n.t('lineage_lands_in', lang)}:** {code_list(metric.lands_in)}")
reads.markdown(f"**{i18n.t('lineage_inputs', lang)}:** {code_list(staged)}")
if metric.inputs != staged:  # a mart among the inputs: say how it was traced
    reads.caption(i18n.t("lineage_inputs_caption", lang, written=code_list(metric.inputs), staged=code_list(staged)))

tiles = [
    ("kpi_lineage_tables", i18n.fmt_int(len(staged), lang)),
    ("kpi_lineage_batches", i18n.fmt_int(batches["batch_id"].n_unique(), lang)),
    ("kpi_lineage_rows", i18n.fmt_int(int(batches["rows_in_table"].sum()), lang)),
]
for column, (key, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    components.tile(column, i18n.t(key, lang), value, i18n.t(f"{key}_help", lang))

st.subheader(i18n.t("lineage_health_title", lang))
if warnings:
    st.warning("\n".join(f"- {components.warning_text(w, lang)}" for w in warnings), icon="⚠️")
else:
    st.success(i18n.t("lineage_healthy", lang))

st.subheader(i18n.t("lineage_validations_title", lang))
components.table_with_exports(
    validations.select(
        pl.col("table_name").alias(i18n.t("col_table", lang)),
        pl.col("suite_name").fill_null(i18n.t("not_validated", lang)).alias(i18n.t("col_suite", lang)),
        pl.col("run_id").alias(i18n.t("col_run", lang)),
        pl.col("validated_local").alias(i18n.t("col_validated_at", lang)),
        pl.col("evaluated").alias(i18n.t("col_evaluated", lang)),
        pl.col("failed").alias(i18n.t("col_failed", lang)),
        pl.when(pl.col("passed"))
        .then(pl.lit("✅"))
        .when(~pl.col("passed"))
        .then(pl.lit("❌"))
        .otherwise(pl.lit(i18n.MISSING))
        .alias(i18n.t("col_passed", lang)),
    ),
    lang,
    file_stem=f"concord_lineage_{kpi_id}_validations",
)

st.subheader(i18n.t("lineage_batches_title", lang))
st.caption(i18n.t("lineage_batches_caption", lang))
components.table_with_exports(
    batches.select(
        pl.col("table_name").alias(i18n.t("col_table", lang)),
        pl.col("batch_id").alias(i18n.t("col_batch", lang)),
        pl.col("run_id").alias(i18n.t("col_run", lang)),
        pl.col("file_name").alias(i18n.t("col_file", lang)),
        pl.col("file_sha256").alias(i18n.t("col_sha256_full", lang)),
        pl.col("rows_in").alias(i18n.t("col_rows_in", lang)),
        pl.col("rows_loaded").alias(i18n.t("col_rows_loaded", lang)),
        pl.col("rows_quarantined").alias(i18n.t("col_rows_quarantined", lang)),
        pl.col("rows_in_table").alias(i18n.t("col_rows_in_table", lang)),
        pl.col("loaded_local").alias(i18n.t("col_loaded_at", lang)),
    ),
    lang,
    file_stem=f"concord_lineage_{kpi_id}_batches",
)
