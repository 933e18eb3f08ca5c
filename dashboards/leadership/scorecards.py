"""Leadership agency scorecards: one row per agency, grouped by tier, against the network median."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, components, data, i18n

page = components.page_header("scorecards_title")
lang, snap, filters = page.lang, page.snap, page.filters
with components.read_errors_shown(snap, lang):
    cards = data.load_scorecards(snap, filters, page.tz)
    network = data.load_network_medians(snap, filters, page.tz)
st.caption(i18n.t("scorecards_caption", lang))

st.subheader(i18n.t("network_median", lang))
st.caption(i18n.t("network_caption", lang))
# (label key, value, the tile's KPI in the metric catalogue)
network_tiles = [
    ("col_median_action_h", i18n.fmt_number(network["median_action_h"], lang), "time_to_action"),
    ("kpi_sla", i18n.fmt_percent(network["sla_compliance"], lang), "sla_compliance"),
    ("metric_duplicate_rate", i18n.fmt_percent(network["duplicate_rate"], lang), "uncoordinated_duplicate"),
    ("col_median_ack_h", i18n.fmt_number(network["median_ack_h"], lang), "handoff_acknowledgement"),
]
for column, (key, value, kpi) in zip(st.columns(len(network_tiles)), network_tiles, strict=True):
    components.tile(
        column, i18n.t(key, lang), value, i18n.t("network_caption", lang), kpi=kpi, warnings=page.warnings(kpi)
    )

metric = st.selectbox(
    i18n.t("scorecard_metric", lang),
    options=list(charts.SCORECARD_COLUMNS),
    index=list(charts.SCORECARD_COLUMNS).index("median_action_h"),
    format_func=lambda m: i18n.t(charts.SCORECARD_COLUMNS[m][0], lang),
    key="scorecard_metric",
)
components.chart_and_table(
    charts.scorecard_chart(cards, network[metric], metric, lang),
    charts.scorecard_table(cards, network, lang),
    lang,
    file_stem="concord_agency_scorecards",
)
