"""Leadership hotspots: (category, day) bursts against the trailing 28-day mean, one chart per category."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, components, data, i18n

page = components.page_header("hotspots_title")
lang = page.lang
with components.read_errors_shown(page.snap, lang):
    days = data.load_hotspot_days(page.snap, page.filters)
st.caption(i18n.t("hotspots_caption", lang))

hotspots = days.filter(pl.col("is_hotspot"))
peak = hotspots["new_cases"].max() if hotspots.height else None
tiles = [
    ("kpi_hotspot_days", i18n.fmt_int(hotspots.height, lang)),
    ("kpi_hotspot_categories", i18n.fmt_int(hotspots["category"].n_unique(), lang)),
    ("kpi_hotspot_peak", i18n.fmt_int(peak, lang)),  # type: ignore[arg-type]
]
for column, (key, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    components.tile(
        column, i18n.t(key, lang), value, i18n.t(f"{key}_help", lang), kpi="hotspot", warnings=page.warnings("hotspot")
    )

st.subheader(i18n.t("hotspot_list_title", lang))
if hotspots.is_empty():
    st.info(i18n.t("no_hotspots", lang))
components.table_with_exports(charts.hotspot_table(hotspots, lang), lang, file_stem="concord_hotspot_days")

st.subheader(i18n.t("hotspot_chart_title", lang))
components.chart_and_table(
    charts.hotspot_chart(days, lang), charts.hotspot_table(days, lang), lang, file_stem="concord_hotspot_series"
)
