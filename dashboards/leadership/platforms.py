"""Leadership platforms: response time (median, p90), enforcement rate and pending requests per platform."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, components, data, i18n

page = components.page_header("platforms_title")
lang = page.lang
with components.read_errors_shown(page.snap, lang):
    platforms = data.load_platform_responsiveness(page.snap, page.filters, page.tz)
st.caption(i18n.t("platforms_caption", lang))

total = platforms.filter(pl.col("platform").is_null())
row = total.row(0, named=True) if total.height else {}
tiles = [
    ("kpi_requests", i18n.fmt_int(row.get("requests", 0), lang)),
    ("kpi_median_response", i18n.fmt_number(row.get("median_response_h"), lang)),
    ("kpi_p90_response", i18n.fmt_number(row.get("p90_response_h"), lang)),
    ("kpi_enforcement", i18n.fmt_percent(row.get("enforcement_rate"), lang)),
    ("kpi_pending", i18n.fmt_int(row.get("pending", 0), lang)),
]
for column, (key, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    components.tile(
        column,
        i18n.t(key, lang),
        value,
        i18n.t(f"{key}_help", lang),
        kpi="platform_responsiveness",
        warnings=page.warnings("platform_responsiveness"),
    )

st.subheader(i18n.t("platforms_chart_title", lang))
# Without any request the roll-up still returns its (empty) total row: show no table rather than a zero total.
table = platforms if platforms["platform"].is_not_null().any() else platforms.clear()
components.chart_and_table(
    charts.platform_chart(platforms, lang), charts.platform_table(table, lang), lang, file_stem="concord_platforms"
)
