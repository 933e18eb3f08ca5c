"""Leadership coordination: hand-off matrix, stalled and ping-pong hand-offs, case flow, uncoordinated duplicates."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, components, data, i18n

page = components.page_header("coordination_title")
lang, snap, filters, tz = page.lang, page.snap, page.filters, page.tz
with components.read_errors_shown(snap, lang):
    summary = data.load_handoff_summary(snap, filters, tz)
    kpis = data.load_kpis(snap, filters, tz)
    matrix = data.load_handoff_matrix(snap, filters, tz)
    stalled = data.load_oldest_stalled(snap, filters, tz)
    flow = data.load_case_flow(snap, filters, tz)
    weekly = data.load_trends(snap, filters, tz, "week")
names = page.agency_names()
st.caption(i18n.t("coordination_caption", lang))


def count_and_share(count: int, share: float | None) -> str:
    return f"{i18n.fmt_int(count, lang)} ({i18n.fmt_percent(share, lang)})"


# (label key, value, help key, the tile's KPI in the metric catalogue)
tiles = [
    ("kpi_handoffs", i18n.fmt_int(summary.handoffs, lang), "kpi_handoffs_help", "handoff_acknowledgement"),
    ("kpi_ack", i18n.fmt_number(summary.median_ack_h, lang), "kpi_ack_help", "handoff_acknowledgement"),
    (
        "kpi_stalled",
        count_and_share(summary.stalled, summary.stalled_rate),
        "kpi_stalled_help",
        "handoff_acknowledgement",
    ),
    (
        "kpi_ping_pong",
        count_and_share(summary.ping_pong, summary.ping_pong_rate),
        "kpi_ping_pong_help",
        "handoff_ping_pong",
    ),
    ("kpi_dup", count_and_share(kpis.duplicates, kpis.duplicate_rate), "kpi_dup_count_help", "uncoordinated_duplicate"),
]
for column, (key, value, help_key, kpi) in zip(st.columns(len(tiles)), tiles, strict=True):
    components.tile(column, i18n.t(key, lang), value, i18n.t(help_key, lang), kpi=kpi, warnings=page.warnings(kpi))

st.subheader(i18n.t("matrix_title", lang))
st.caption(i18n.t("matrix_caption", lang))
components.chart_and_table(
    charts.handoff_matrix_chart(matrix, names, lang),
    charts.handoff_matrix_table(matrix, names, lang),
    lang,
    file_stem="concord_handoff_matrix",
)

st.subheader(i18n.t("stalled_title", lang))
st.caption(i18n.t("stalled_caption", lang))
components.table_with_exports(charts.stalled_table(stalled, names, lang), lang, file_stem="concord_stalled_handoffs")

st.subheader(i18n.t("flow_title", lang))
st.caption(i18n.t("flow_caption", lang))
flow_table = charts.case_flow_table(flow, lang)
components.chart_and_table(charts.case_flow_chart(flow_table, lang), flow_table, lang, file_stem="concord_case_flow")

st.subheader(i18n.t("duplicates_title", lang))
st.caption(i18n.t("duplicates_caption", lang))
components.chart_and_table(
    charts.duplicates_chart(weekly, lang), charts.duplicates_table(weekly, lang), lang, file_stem="concord_duplicates"
)
