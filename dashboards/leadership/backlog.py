"""Leadership backlog ageing: open cases at the end of each day by age bucket, and the last day's snapshot."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, components, data, i18n

page = components.page_header("backlog_title")
lang, snap, filters = page.lang, page.snap, page.filters
with components.read_errors_shown(snap, lang):
    by_day = data.load_backlog_by_day(snap, filters)
    snapshot = data.load_backlog_snapshot(snap, filters)
st.caption(i18n.t("backlog_caption", lang))

last_day = i18n.fmt_date(filters.end, lang)
open_cases = int(snapshot["open_cases"].sum())
old = int(snapshot.filter(snapshot["age_bucket"].is_in(["7-30d", "30d+"]))["open_cases"].sum())
columns = st.columns(3)
components.tile(
    columns[0],
    i18n.t("kpi_open_end", lang, day=last_day),
    i18n.fmt_int(open_cases, lang),
    i18n.t("kpi_open_end_help", lang),
    kpi="backlog",
    warnings=page.warnings("backlog"),
)
components.tile(
    columns[1],
    i18n.t("kpi_open_over_7d", lang),
    f"{i18n.fmt_int(old, lang)} ({i18n.fmt_percent(old / open_cases if open_cases else None, lang)})",
    i18n.t("kpi_open_over_7d_help", lang),
    kpi="backlog",
    warnings=page.warnings("backlog"),
)

st.subheader(i18n.t("backlog_chart_title", lang))
components.chart_and_table(
    charts.backlog_chart(by_day, lang), charts.backlog_day_table(by_day, lang), lang, file_stem="concord_backlog_by_day"
)

st.subheader(i18n.t("backlog_snapshot_title", lang, day=last_day))
components.table_with_exports(charts.backlog_snapshot_table(snapshot, lang), lang, file_stem="concord_backlog_snapshot")
