"""Auditors: the latest run's validation results per suite, the pass rate across runs, failing expectations, Data Docs."""

from __future__ import annotations

from datetime import datetime

import altair as alt
import polars as pl
import streamlit as st

from concord.settings import Settings
from dashboards import audit_data, components, i18n

page = components.audit_header("dq_title")
lang = page.lang
with components.read_errors_shown(page.snap, lang):
    run_id = audit_data.load_latest_validation_run(page.snap)
    if run_id is None:
        st.info(i18n.t("dq_no_validations", lang))
        st.stop()
    suites = audit_data.load_suite_results(page.snap, run_id, page.tz)
    trend = audit_data.load_pass_rate_trend(page.snap, page.tz)
    failing = audit_data.load_failing_expectations(page.snap, run_id)

validated: datetime | None = suites["validated_local"].max()  # type: ignore[assignment]
st.caption(
    i18n.t(
        "dq_latest_run",
        lang,
        run_id=run_id,
        validated_at=f"{i18n.fmt_date(validated.date(), lang)} {validated:%H:%M}" if validated else i18n.MISSING,
    )
)
evaluated = int(suites["evaluated"].sum())
failed = int(suites["failed"].sum())
tiles = [
    ("kpi_dq_evaluated", i18n.fmt_int(evaluated, lang)),
    ("kpi_dq_failed", i18n.fmt_int(failed, lang)),
    ("kpi_dq_pass_rate", i18n.fmt_percent((evaluated - failed) / evaluated if evaluated else None, lang)),
]
for column, (key, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    components.tile(column, i18n.t(key, lang), value, i18n.t(f"{key}_help", lang))


def pct(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round(1)


st.subheader(i18n.t("dq_suites_title", lang))
components.table_with_exports(
    suites.select(
        pl.col("suite_name").alias(i18n.t("col_suite", lang)),
        pl.col("table_name").alias(i18n.t("col_table", lang)),
        pl.col("evaluated").alias(i18n.t("col_evaluated", lang)),
        pl.col("failed").alias(i18n.t("col_failed", lang)),
        pct("pass_rate").alias(i18n.t("col_pass_rate", lang)),
    ),
    lang,
    file_stem="concord_validation_suites",
)

st.subheader(i18n.t("dq_trend_title", lang))
when, suite, rate = i18n.t("col_validated_at", lang), i18n.t("col_suite", lang), i18n.t("kpi_dq_pass_rate", lang)
trend_chart = (
    alt.Chart(trend.select("run_id", "suite_name", "validated_local", "pass_rate").to_pandas())
    .mark_line(point=True)
    .encode(
        x=alt.X("validated_local:T", title=when, axis=alt.Axis(format=i18n.DATE_FORMAT_D3[lang])),
        y=alt.Y("pass_rate:Q", title=rate, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("suite_name:N", title=suite),
        tooltip=[
            alt.Tooltip("run_id:N", title=i18n.t("col_run", lang)),
            alt.Tooltip("suite_name:N", title=suite),
            alt.Tooltip("validated_local:T", title=when, format=f"{i18n.DATE_FORMAT_D3[lang]} %H:%M"),
            alt.Tooltip("pass_rate:Q", title=rate, format=".1%"),
        ],
    )
)
components.chart_and_table(
    trend_chart,
    trend.select(
        pl.col("run_id").alias(i18n.t("col_run", lang)),
        pl.col("suite_name").alias(suite),
        pl.col("validated_local").alias(when),
        pl.col("evaluated").alias(i18n.t("col_evaluated", lang)),
        pl.col("failed").alias(i18n.t("col_failed", lang)),
        pct("pass_rate").alias(i18n.t("col_pass_rate", lang)),
    ),
    lang,
    file_stem="concord_validation_trend",
)

st.subheader(i18n.t("dq_failing_title", lang))
if failing.is_empty():
    st.success(i18n.t("dq_all_passed", lang))
components.table_with_exports(
    failing.select(
        pl.col("suite_name").alias(i18n.t("col_suite", lang)),
        pl.col("table_name").alias(i18n.t("col_table", lang)),
        pl.col("expectation_type").alias(i18n.t("col_expectation", lang)),
        pl.col("column_name").alias(i18n.t("col_column", lang)),
        pl.col("observed_value").alias(i18n.t("col_observed", lang)),
        pl.col("unexpected_count").alias(i18n.t("col_unexpected", lang)),
        pl.col("element_count").alias(i18n.t("col_elements", lang)),
        pl.col("why").alias(i18n.t("col_why", lang)),
    ),
    lang,
    file_stem="concord_failing_expectations",
)

st.subheader(i18n.t("dq_docs_title", lang))
docs = (Settings().home / "reports" / "data_docs" / "index.html").resolve()
st.markdown(i18n.t("dq_docs", lang, path=docs))
if not docs.is_file():
    st.caption(i18n.t("dq_docs_missing", lang))
