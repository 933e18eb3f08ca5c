"""Chart specs and their table views, built from the frames ``dashboards.data`` returns (no I/O)."""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboards import i18n


def weekly_trend_table(trend: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The weekly trend with labelled columns in ``lang`` and compliance in percent (1 decimal)."""
    return trend.select(
        pl.col("iso_week").alias(i18n.t("col_iso_week", lang)),
        pl.col("week_start").alias(i18n.t("col_week_start", lang)),
        pl.col("cases").alias(i18n.t("col_cases", lang)),
        pl.col("sla_met").alias(i18n.t("col_sla_met", lang)),
        pl.col("sla_breached").alias(i18n.t("col_sla_breached", lang)),
        (pl.col("sla_compliance") * 100).round(1).alias(i18n.t("col_sla_compliance", lang)),
    )


def weekly_trend_chart(trend: pl.DataFrame, lang: str) -> alt.LayerChart:
    """Bars of cases detected per ISO week and a line of SLA compliance, on independent y axes."""
    week = i18n.t("col_iso_week", lang)
    cases = i18n.t("col_cases", lang)
    compliance = i18n.t("kpi_sla", lang)
    # Plain field names: Altair reads ".", "[" and ":" in a field name as syntax; titles carry the labels.
    frame = trend.select("iso_week", "cases", "sla_compliance").to_pandas()
    base = alt.Chart(frame).encode(x=alt.X("iso_week:O", title=week, axis=alt.Axis(labelAngle=-45)))
    bars = base.mark_bar(opacity=0.75).encode(
        y=alt.Y("cases:Q", title=cases, axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[alt.Tooltip("iso_week:O", title=week), alt.Tooltip("cases:Q", title=cases, format=",d")],
    )
    line = base.mark_line(point=True, color="#d62728").encode(
        y=alt.Y("sla_compliance:Q", title=compliance, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=[
            alt.Tooltip("iso_week:O", title=week),
            alt.Tooltip("sla_compliance:Q", title=compliance, format=".1%"),
        ],
    )
    return alt.layer(bars, line).resolve_scale(y="independent")
