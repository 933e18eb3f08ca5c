"""Leadership overview: five KPI tiles, the weekly trend with its table and exports, and "data as of"."""

from __future__ import annotations

import duckdb
import streamlit as st

from dashboards import charts, components, data, i18n

lang = components.current_lang()
tz = data.local_tz()
st.title(i18n.t("overview_title", lang))

snap = components.require_snapshot()
try:
    components.data_as_of_line(snap, lang, tz)
    options = data.load_filter_options(snap)
    if options is None:
        st.info(i18n.t("no_data", lang))
        st.stop()
    filters = components.sidebar_filters(options, lang)
    kpis = data.load_kpis(snap, filters, tz)
    trend = data.load_weekly_trend(snap, filters)
except duckdb.Error as error:
    components.show_read_error(snap, error, lang)

# (label key, formatted value); each tile's help is its definition, under "<key>_help".
tiles = [
    ("kpi_cases", i18n.fmt_int(kpis.cases, lang)),
    ("kpi_tta", i18n.fmt_number(kpis.median_time_to_action_h, lang)),
    ("kpi_sla", i18n.fmt_percent(kpis.sla_compliance, lang)),
    ("kpi_backlog", i18n.fmt_int(kpis.backlog_open, lang)),
    ("kpi_dup", i18n.fmt_percent(kpis.duplicate_rate, lang)),
]
for column, (key, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    column.metric(i18n.t(key, lang), value, help=i18n.t(f"{key}_help", lang), border=True)

st.subheader(i18n.t("weekly_trend", lang))
st.caption(i18n.t("weekly_trend_caption", lang))
chart_tab, table_tab = st.tabs([i18n.t("tab_chart", lang), i18n.t("tab_table", lang)])
with chart_tab:
    st.altair_chart(charts.weekly_trend_chart(trend, lang))
with table_tab:
    components.table_with_exports(charts.weekly_trend_table(trend, lang), lang, file_stem="concord_weekly_trend")
