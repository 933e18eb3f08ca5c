"""Page pieces every dashboard page shares: language, the serving copy, "data as of", filters, exports.

Layout only: numbers come from ``dashboards.data``, labels and formats from ``dashboards.i18n``.
"""

from __future__ import annotations

from datetime import date
from typing import NoReturn

import duckdb
import polars as pl
import streamlit as st

from dashboards import data, export, i18n

LANG_KEY = "lang"  # the toggle's session-state key, mirrored in the query parameter ?lang=


def language_toggle() -> i18n.Lang:
    """The sidebar language toggle (vi by default), kept in ``st.session_state`` and the ``lang`` query parameter.

    The URL carries the language code (``?lang=en``), so a shared link opens in the sender's language.
    Not ``bind="query-params"``: a bound selection widget puts the *formatted* option in the URL
    (``?lang=English``).
    """
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = i18n.normalise_lang(st.query_params.get(LANG_KEY, i18n.DEFAULT_LANG))
    choice = i18n.normalise_lang(
        st.sidebar.segmented_control(
            i18n.t("language", i18n.DEFAULT_LANG),
            options=list(i18n.LANGS),
            format_func=lambda code: i18n.LANG_NAMES[code],
            required=True,
            key=LANG_KEY,
        )
    )
    if st.query_params.get(LANG_KEY) != choice:
        st.query_params[LANG_KEY] = choice
    return choice


def current_lang() -> i18n.Lang:
    """The language chosen in the sidebar (pages run after the entry point has drawn the toggle)."""
    return i18n.normalise_lang(st.session_state.get(LANG_KEY, i18n.DEFAULT_LANG))


def require_snapshot() -> data.Snapshot:
    """The current serving copy; if there is none yet, a bilingual how-to and the page stops."""
    path = data.serving_file()
    snap = data.snapshot(path)
    if snap is None:
        st.info(f"#### {i18n.t('missing_serving_title', 'vi')}\n\n" + i18n.MISSING_SERVING.format(path=path), icon="ℹ️")
        st.stop()
    return snap


def show_read_error(snap: data.Snapshot, error: duckdb.Error, lang: str) -> NoReturn:
    """A readable error for a serving copy that cannot be queried (e.g. from an older schema), then stop."""
    st.error(i18n.t("read_error", lang, path=snap.path, error=str(error).splitlines()[0]))
    st.stop()


def data_as_of_line(snap: data.Snapshot, lang: str, tz: str) -> None:
    """The "data as of" caption every page shows."""
    as_of = data.load_data_as_of(snap)
    if as_of is None:
        st.warning(i18n.t("no_completed_run", lang))
        return
    st.caption(
        i18n.t(
            "data_as_of",
            lang,
            as_of=i18n.fmt_datetime(as_of.as_of, lang, tz),
            run_id=as_of.run_id,
            finished_at=i18n.fmt_datetime(as_of.finished_at, lang, tz),
        )
    )


def sidebar_filters(options: data.FilterOptions, lang: str) -> data.Filters:
    """Date range (local days), agency, category and severity filters in the sidebar."""
    sidebar = st.sidebar
    sidebar.subheader(i18n.t("filters", lang))
    names = dict(
        zip(
            options.agencies["agency_code"],
            options.agencies["name" if lang == "vi" else "name_en"],
            strict=True,
        )
    )
    picked = sidebar.date_input(
        i18n.t("date_range", lang),
        value=(options.first_day, options.last_day),
        min_value=options.first_day,
        max_value=options.last_day,
        format=i18n.DATE_INPUT_FORMAT[lang],
        # The bounds are part of the key: a publish that widens the data starts from the full new range.
        key=f"filter_days_{options.first_day}_{options.last_day}",
    )
    start, end = _day_range(picked, options)
    agencies = sidebar.multiselect(
        i18n.t("agency", lang),
        options=sorted(names, key=lambda code: i18n.sort_key(names[code])),
        format_func=lambda code: names.get(code, code),
        placeholder=i18n.t("all", lang),
        key="filter_agencies",
    )
    categories = sidebar.multiselect(
        i18n.t("category", lang),
        options=list(options.categories),
        format_func=lambda code: i18n.category_label(code, lang),
        placeholder=i18n.t("all", lang),
        key="filter_categories",
    )
    severities = sidebar.multiselect(
        i18n.t("severity", lang),
        options=list(options.severities),
        format_func=lambda level: i18n.severity_label(level, lang),
        placeholder=i18n.t("all", lang),
        key="filter_severities",
    )
    return data.Filters(start, end, tuple(agencies), tuple(categories), tuple(int(s) for s in severities))


def _day_range(picked: object, options: data.FilterOptions) -> tuple[date, date]:
    """(start, end) from the date input, which returns a 1-tuple while the user is still picking the end."""
    days = tuple(picked) if isinstance(picked, list | tuple) else (picked,)
    days = tuple(d for d in days if d is not None)
    start = days[0] if days else options.first_day
    end = days[1] if len(days) > 1 else start if days else options.last_day
    return max(start, options.first_day), min(end, options.last_day)


def table_with_exports(df: pl.DataFrame, lang: str, file_stem: str) -> None:
    """A chart's table view plus formula-safe CSV and XLSX downloads."""
    st.dataframe(df, hide_index=True)
    buttons = st.container(horizontal=True)
    buttons.download_button(
        i18n.t("download_csv", lang),
        data=export.to_csv_bytes(df),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"{file_stem}_csv",
    )
    buttons.download_button(
        i18n.t("download_xlsx", lang),
        data=export.to_xlsx_bytes(df, sheet=file_stem),
        file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key=f"{file_stem}_xlsx",
    )
