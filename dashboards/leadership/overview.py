"""Leadership overview: five KPI tiles with targets and week-over-week change, the weekly trend, "data as of"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import streamlit as st

from dashboards import charts, components, data, i18n
from dashboards.targets import TARGETS

page = components.page_header("overview_title")
lang, snap, filters = page.lang, page.snap, page.filters
with components.read_errors_shown(snap, lang):
    kpis = data.load_kpis(snap, filters, page.tz)
    weeks = data.last_full_weeks(filters)
    previous, this = (data.load_kpis(snap, week, page.tz) for week in weeks) if weeks else (None, None)
    trend = data.load_weekly_trend(snap, filters)


def change(metric: Callable[[data.Kpis], float | None], decimals: int = 0, unit: str = "") -> str | None:
    """The formatted change of ``metric`` from the week before to the last full week (None without both)."""
    if this is None or previous is None:
        return None
    value, before = metric(this), metric(previous)
    if value is None or before is None:
        return None
    return i18n.fmt_signed(value - before, lang, decimals, unit)


def pp(ratio: float | None) -> float | None:
    """A ratio in percentage points, for changes of rates."""
    return None if ratio is None else ratio * 100


def target_status(met: bool | None) -> str:
    return i18n.t("status_unknown" if met is None else "status_met" if met else "status_not_met", lang)


pp_unit = i18n.t("unit_pp", lang)
week_label = weeks[0].start.strftime("%G-W%V") if weeks else ""
sla_target = i18n.t("target_sla_help", lang, target=i18n.fmt_percent(TARGETS.sla_compliance, lang))
dup_target = i18n.t("target_dup_help", lang, target=i18n.fmt_percent(TARGETS.duplicate_rate, lang))
# (label key, value, change, which direction is good, target help); each tile's help is its definition.
tiles: list[tuple[str, str, str | None, Literal["up", "down", "neither"], str]] = [
    ("kpi_cases", i18n.fmt_int(kpis.cases, lang), change(lambda k: k.cases), "neither", ""),
    (
        "kpi_tta",
        i18n.fmt_number(kpis.median_time_to_action_h, lang),
        change(lambda k: k.median_time_to_action_h, 1),
        "down",
        "",
    ),
    (
        "kpi_sla",
        i18n.fmt_percent(kpis.sla_compliance, lang),
        change(lambda k: pp(k.sla_compliance), 1, pp_unit),
        "up",
        sla_target,
    ),
    ("kpi_backlog", i18n.fmt_int(kpis.backlog_open, lang), change(lambda k: k.backlog_open), "down", ""),
    (
        "kpi_dup",
        i18n.fmt_percent(kpis.duplicate_rate, lang),
        change(lambda k: pp(k.duplicate_rate), 1, pp_unit),
        "down",
        dup_target,
    ),
]
# Each tile's KPI in the metric catalogue (docs/metrics.md): its warning badge and lineage link.
TILE_KPIS = {
    "kpi_cases": "daily_case_counts",
    "kpi_tta": "time_to_action",
    "kpi_sla": "sla_compliance",
    "kpi_backlog": "backlog",
    "kpi_dup": "uncoordinated_duplicate",
}
for column, (key, value, delta, good, target_help) in zip(st.columns(len(tiles)), tiles, strict=True):
    help_text = i18n.t(f"{key}_help", lang) + (f"\n\n{target_help}" if target_help else "")
    components.tile(
        column,
        i18n.t(key, lang),
        value,
        help_text,
        delta,
        good=good,
        delta_description=i18n.t("wow_delta_description", lang, week=week_label) if delta else None,
        kpi=TILE_KPIS[key],
        warnings=page.warnings(TILE_KPIS[key]),
    )

sla, dup = kpis.sla_compliance, kpis.duplicate_rate
st.caption(
    i18n.t(
        "targets_caption",
        lang,
        sla=i18n.fmt_percent(TARGETS.sla_compliance, lang),
        sla_status=target_status(None if sla is None else sla >= TARGETS.sla_compliance),
        dup=i18n.fmt_percent(TARGETS.duplicate_rate, lang),
        dup_status=target_status(None if dup is None else dup <= TARGETS.duplicate_rate),
    )
)
if weeks:
    st.caption(
        i18n.t(
            "wow_caption",
            lang,
            this_week=weeks[1].start.strftime("%G-W%V"),
            this_range=f"{i18n.fmt_date(weeks[1].start, lang)} – {i18n.fmt_date(weeks[1].end, lang)}",
            previous_week=week_label,
        )
    )
else:
    st.caption(i18n.t("wow_unavailable", lang))

st.subheader(i18n.t("weekly_trend", lang))
st.caption(i18n.t("weekly_trend_caption", lang))
components.chart_and_table(
    charts.weekly_trend_chart(trend, lang),
    charts.weekly_trend_table(trend, lang),
    lang,
    file_stem="concord_weekly_trend",
)
