"""Leadership trends: one selectable metric per ISO week or month, the latest period against the one before."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, components, data, i18n

page = components.page_header("trends_title")
lang = page.lang
controls = st.container(horizontal=True)
grain = controls.segmented_control(
    i18n.t("trend_grain", lang),
    options=list(data.GRAINS),
    format_func=lambda g: i18n.t(f"grain_{g}", lang),
    default="week",
    required=True,
    key="trend_grain",
)
metric = controls.selectbox(
    i18n.t("trend_metric", lang),
    options=list(charts.TREND_METRICS),
    format_func=lambda m: i18n.t(charts.TREND_METRICS[m][0], lang),
    key="trend_metric",
)
with components.read_errors_shown(page.snap, lang):
    trend = data.load_trends(page.snap, page.filters, page.tz, grain or "week")
st.caption(i18n.t("trends_caption", lang))

label_key, kind = charts.TREND_METRICS[metric]
# The selected metric's KPI in the metric catalogue (its warning badge and lineage link).
TREND_KPIS = {
    "cases": "daily_case_counts",
    "median_triage_h": "time_to_triage",
    "median_action_h": "time_to_action",
    "median_close_h": "time_to_close",
    "sla_compliance": "sla_compliance",
    "duplicate_rate": "uncoordinated_duplicate",
}


def fmt(value: float | None) -> str:
    if kind == "count":
        return i18n.fmt_int(value, lang)
    if kind == "ratio":
        return i18n.fmt_percent(value, lang)
    return i18n.fmt_number(value, lang)


def fmt_change(value: float | None, before: float | None) -> str | None:
    if value is None or before is None:
        return None
    if kind == "ratio":
        return i18n.fmt_signed((value - before) * 100, lang, 1, i18n.t("unit_pp", lang))
    return i18n.fmt_signed(value - before, lang, 0 if kind == "count" else 1)


# The latest period against the one before (a period without data shows "—").
values = trend[metric].to_list()
periods = trend["period"].to_list()
delta = fmt_change(values[-1], values[-2]) if len(values) > 1 else None
components.tile(
    st.columns(3)[0],
    i18n.t(
        "latest_period_label", lang, metric=i18n.t(label_key, lang), period=periods[-1] if periods else i18n.MISSING
    ),
    fmt(values[-1] if values else None),
    i18n.t("trends_caption", lang),
    delta,
    good="neither" if metric == "cases" else "up" if metric == "sla_compliance" else "down",
    delta_description=i18n.t("wow_delta_description", lang, week=periods[-2]) if delta else None,
    kpi=TREND_KPIS[metric],
    warnings=page.warnings(TREND_KPIS[metric]),
)
components.chart_and_table(
    charts.trend_chart(trend, metric, lang), charts.trend_table(trend, lang), lang, file_stem=f"concord_trends_{grain}"
)
