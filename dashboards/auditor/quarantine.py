"""Auditors: browse the quarantined rows by source, batch and reason code, with counts per reason code."""

from __future__ import annotations

import math

import altair as alt
import polars as pl
import streamlit as st

from dashboards import audit_data, components, i18n

page = components.audit_header("quarantine_title")
lang = page.lang
st.caption(i18n.t("quarantine_caption", lang))
with components.read_errors_shown(page.snap, lang):
    options = audit_data.load_quarantine_options(page.snap)
if not options.sources:
    st.info(i18n.t("quarantine_none", lang))
    st.stop()

pick_source, pick_batch, pick_reason = st.columns(3)
filters = audit_data.QuarantineFilters(
    sources=tuple(
        pick_source.multiselect(
            i18n.t("source", lang), options.sources, placeholder=i18n.t("all", lang), key="quarantine_sources"
        )
    ),
    batches=tuple(
        pick_batch.multiselect(
            i18n.t("batch", lang), options.batches, placeholder=i18n.t("all", lang), key="quarantine_batches"
        )
    ),
    reasons=tuple(
        pick_reason.multiselect(
            i18n.t("reason_code", lang), options.reasons, placeholder=i18n.t("all", lang), key="quarantine_reasons"
        )
    ),
)
with components.read_errors_shown(page.snap, lang):
    total = audit_data.load_quarantine_count(page.snap, filters)
    reasons = audit_data.load_quarantine_reason_counts(page.snap, filters)

tiles = [
    ("kpi_quarantined", i18n.fmt_int(total, lang)),
    ("kpi_reason_codes", i18n.fmt_int(reasons.height, lang)),
]
for column, (key, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    components.tile(column, i18n.t(key, lang), value, i18n.t(f"{key}_help", lang))

st.subheader(i18n.t("quarantine_reasons_title", lang))
code, count = i18n.t("reason_code", lang), i18n.t("col_rows", lang)
reason_chart = (
    alt.Chart(reasons.to_pandas())
    .mark_bar()
    .encode(
        x=alt.X("quarantined_rows:Q", title=count, axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("reason_code:N", title=code, sort="-x"),
        tooltip=[alt.Tooltip("reason_code:N", title=code), alt.Tooltip("quarantined_rows:Q", title=count, format=",d")],
    )
)
components.chart_and_table(
    reason_chart,
    reasons.select(pl.col("reason_code").alias(code), pl.col("quarantined_rows").alias(count)),
    lang,
    file_stem="concord_quarantine_reasons",
)

st.subheader(i18n.t("quarantine_rows_title", lang))
per_page = audit_data.QUARANTINE_PAGE_ROWS
pages = max(math.ceil(total / per_page), 1)
page_number = 1
if st.session_state.get("quarantine_page", 1) > pages:  # narrower filters since the page was picked
    st.session_state["quarantine_page"] = pages
if pages > 1:  # every quarantined row is reachable, a page at a time
    page_number = int(
        st.number_input(i18n.t("quarantine_page", lang), min_value=1, max_value=pages, value=1, key="quarantine_page")
    )
with components.read_errors_shown(page.snap, lang):
    rows = audit_data.load_quarantine_rows(page.snap, filters, page_number, per_page)
first = (page_number - 1) * per_page + 1 if rows.height else 0
st.caption(
    i18n.t(
        "quarantine_shown",
        lang,
        first=i18n.fmt_int(first, lang),
        last=i18n.fmt_int(first + rows.height - 1 if rows.height else 0, lang),
        total=i18n.fmt_int(total, lang),
        page=i18n.fmt_int(page_number, lang),
        pages=i18n.fmt_int(pages, lang),
        per_page=i18n.fmt_int(per_page, lang),
    )
)
components.table_with_exports(
    rows.select(
        pl.col("source").alias(i18n.t("source", lang)),
        pl.col("batch_id").alias(i18n.t("batch", lang)),
        pl.col("row_number").alias(i18n.t("col_row_number", lang)),
        pl.col("reason_codes").alias(i18n.t("col_reason_codes", lang)),
        pl.col("raw").alias(i18n.t("col_raw", lang)),
    ),
    lang,
    file_stem="concord_quarantined_rows",
)
