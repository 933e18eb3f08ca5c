"""Leadership public responses: coverage within 48 h of eligible misinformation, time to response, gaps, trend."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, components, data, i18n

page = components.page_header("public_title")
lang, snap, filters, tz = page.lang, page.snap, page.filters, page.tz
with components.read_errors_shown(snap, lang):
    coverage = data.load_coverage(snap, filters, tz)
    uncovered = data.load_uncovered_cases(snap, filters, tz)
    trend = data.load_coverage_trend(snap, filters, tz)
st.caption(i18n.t("public_caption", lang))

tiles = [
    ("kpi_eligible", i18n.fmt_int(coverage.eligible, lang)),
    ("kpi_coverage", i18n.fmt_percent(coverage.coverage, lang)),
    ("kpi_time_to_response", i18n.fmt_number(coverage.median_response_h, lang)),
    ("kpi_uncovered", i18n.fmt_int(coverage.uncovered, lang)),
]
for column, (key, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    components.tile(
        column,
        i18n.t(key, lang),
        value,
        i18n.t(f"{key}_help", lang),
        kpi="public_response_coverage",
        warnings=page.warnings("public_response_coverage"),
    )
if coverage.within_window:
    st.caption(i18n.t("within_window_caption", lang, count=i18n.fmt_int(coverage.within_window, lang)))

st.subheader(i18n.t("uncovered_title", lang))
components.table_with_exports(charts.uncovered_table(uncovered, lang), lang, file_stem="concord_uncovered_cases")

st.subheader(i18n.t("coverage_trend_title", lang))
components.chart_and_table(
    charts.coverage_chart(trend, lang), charts.coverage_table(trend, lang), lang, file_stem="concord_coverage_trend"
)
