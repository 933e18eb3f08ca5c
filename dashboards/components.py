"""Page pieces every dashboard page shares: language, the serving copy, "data as of", filters, exports.

Layout only: numbers come from ``dashboards.data``, labels and formats from ``dashboards.i18n``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, NoReturn, TypeVar

import duckdb
import polars as pl
import streamlit as st

from concord import catalogue
from dashboards import charts, data, export, i18n, lineage_data

LANG_KEY = "lang"  # the toggle's session-state key, mirrored in the query parameter ?lang=
# The last filter choices, kept in session state under a key that is not a widget's: Streamlit drops the state of
# a widget that a run does not draw, and each page draws its own filter widgets, so switching pages would reset
# them. Each widget starts from the kept choice instead.
KEPT_FILTERS_KEY = "kept_filters"
V = TypeVar("V")


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


def _kept(key: str, default: V) -> V:
    kept: dict[str, object] = st.session_state.setdefault(KEPT_FILTERS_KEY, {})
    return kept.get(key, default)  # type: ignore[return-value]


def _keep(key: str, value: object) -> None:
    st.session_state.setdefault(KEPT_FILTERS_KEY, {})[key] = value


def _kept_multiselect(
    key: str, label: str, options: Sequence[V], format_func: Callable[[Any], str], lang: str
) -> list[V]:
    """A sidebar multiselect that starts from the choice kept across pages and keeps the new one."""
    kept: list[V] = _kept(key, [])
    picked: list[V] = st.sidebar.multiselect(
        label,
        options=list(options),
        default=[value for value in kept if value in options],
        format_func=format_func,
        placeholder=i18n.t("all", lang),
        key=key,
    )
    _keep(key, list(picked))
    return picked


def sidebar_filters(options: data.FilterOptions, lang: str) -> data.Filters:
    """Date range (local days), agency, tier, category, severity and platform filters in the sidebar.

    The choices survive page switches and the language toggle (see ``KEPT_FILTERS_KEY``).
    """
    sidebar = st.sidebar
    sidebar.subheader(i18n.t("filters", lang))
    names = dict(
        zip(
            options.agencies["agency_code"],
            options.agencies["name" if lang == "vi" else "name_en"],
            strict=True,
        )
    )
    # The bounds are part of the key: a publish that widens the data starts from the full new range.
    days_key = f"filter_days_{options.first_day}_{options.last_day}"
    kept_days = _kept(days_key, (options.first_day, options.last_day))
    picked = sidebar.date_input(
        i18n.t("date_range", lang),
        value=kept_days,
        min_value=options.first_day,
        max_value=options.last_day,
        format=i18n.DATE_INPUT_FORMAT[lang],
        key=days_key,
    )
    start, end = _day_range(picked, options)
    if isinstance(picked, list | tuple) and len(picked) == 2:  # keep only a complete range
        _keep(days_key, (start, end))
    agencies = _kept_multiselect(
        "filter_agencies",
        i18n.t("agency", lang),
        sorted(names, key=lambda code: i18n.sort_key(names[code])),
        lambda code: names.get(code, code),
        lang,
    )
    tiers = _kept_multiselect(
        "filter_tiers", i18n.t("tier", lang), options.tiers, lambda tier: i18n.tier_label(tier, lang), lang
    )
    categories = _kept_multiselect(
        "filter_categories",
        i18n.t("category", lang),
        options.categories,
        lambda code: i18n.category_label(code, lang),
        lang,
    )
    severities = _kept_multiselect(
        "filter_severities",
        i18n.t("severity", lang),
        options.severities,
        lambda level: i18n.severity_label(level, lang),
        lang,
    )
    platforms = _kept_multiselect(
        "filter_platforms",
        i18n.t("platform", lang),
        options.platforms,
        lambda code: i18n.platform_label(code, lang),
        lang,
    )
    return data.Filters(
        start,
        end,
        agencies=tuple(agencies),
        categories=tuple(categories),
        severities=tuple(int(s) for s in severities),
        tiers=tuple(tiers),
        platforms=tuple(platforms),
    )


def _day_range(picked: object, options: data.FilterOptions) -> tuple[date, date]:
    """(start, end) from the date input, which returns a 1-tuple while the user is still picking the end."""
    days = tuple(picked) if isinstance(picked, list | tuple) else (picked,)
    days = tuple(d for d in days if d is not None)
    start = days[0] if days else options.first_day
    end = days[1] if len(days) > 1 else start if days else options.last_day
    return max(start, options.first_day), min(end, options.last_day)


# --- what every page draws first ---------------------------------------------------------------------


@dataclass(frozen=True)
class PageContext:
    """What a page needs after its header: language, time zone, the serving copy, the filter choices."""

    lang: i18n.Lang
    tz: str
    snap: data.Snapshot
    options: data.FilterOptions
    filters: data.Filters
    # Input warnings per KPI id (catalogue ids); a healthy KPI has no key.
    health: Mapping[str, tuple[lineage_data.InputWarning, ...]] = field(default_factory=dict)

    def warnings(self, kpi: str) -> tuple[lineage_data.InputWarning, ...]:
        """What is wrong with the inputs of ``kpi`` (empty when healthy): pass it to :func:`tile`."""
        return self.health.get(kpi, ())

    def agency_names(self) -> dict[str, str]:
        """Agency code → name in the page's language."""
        return charts.agency_names(self.options.agencies, self.lang)


def page_header(title_key: str) -> PageContext:
    """Title, "data as of" and the sidebar filters; stops the page when there is nothing to show."""
    lang = current_lang()
    tz = data.local_tz()
    st.title(i18n.t(title_key, lang))
    snap = require_snapshot()
    with read_errors_shown(snap, lang):
        data_as_of_line(snap, lang, tz)
        options = data.load_filter_options(snap)
    if options is None:
        st.info(i18n.t("no_data", lang))
        st.stop()
    filters = sidebar_filters(options, lang)
    try:
        health = lineage_data.current_health(snap, datetime.now(UTC))
    except duckdb.Error as error:  # e.g. a copy published before audit.volume_checks: the KPIs still stand
        st.caption(i18n.t("health_unavailable", lang, error=str(error).splitlines()[0]))
        health = {}
    return PageContext(lang, tz, snap, options, filters, health)


@dataclass(frozen=True)
class AuditContext:
    """What an auditor page needs after its header: language, time zone and the serving copy (no KPI filters)."""

    lang: i18n.Lang
    tz: str
    snap: data.Snapshot


def audit_header(title_key: str) -> AuditContext:
    """Title and "data as of" for an auditor page; the leadership filters do not apply to audit tables."""
    lang = current_lang()
    tz = data.local_tz()
    st.title(i18n.t(title_key, lang))
    snap = require_snapshot()
    with read_errors_shown(snap, lang):
        data_as_of_line(snap, lang, tz)
    return AuditContext(lang, tz, snap)


@contextmanager
def read_errors_shown(snap: data.Snapshot, lang: str) -> Iterator[None]:
    """Turn a failed query on the serving copy into a readable error (then stop the page)."""
    try:
        yield
    except duckdb.Error as error:
        show_read_error(snap, error, lang)


def tile(
    column: st.delta_generator.DeltaGenerator,
    label: str,
    value: str,
    help_text: str,
    delta: str | None = None,
    *,
    good: Literal["up", "down", "neither"] = "up",
    delta_description: str | None = None,
    kpi: str | None = None,
    warnings: Sequence[lineage_data.InputWarning] = (),
) -> None:
    """One KPI tile (``st.metric`` with a border); ``good`` says which direction of change is an improvement.

    With ``kpi`` (its catalogue id) and ``warnings`` (``PageContext.warnings(kpi)``), a tile whose inputs failed
    validation, are stale or were anomalous gets a warning badge under it that says which input and why, and
    links to the KPI's lineage page where the evidence is.
    """
    _metric(column, label, value, help_text, delta, good=good, delta_description=delta_description)
    if kpi is None:
        return
    metric = catalogue.by_id(kpi)
    if metric is None or not metric.implemented:
        raise ValueError(f"tile {label!r}: {kpi!r} is not an implemented KPI of docs/metrics.md")
    if warnings:
        kpi_badge(column, kpi, warnings, current_lang())


def _metric(
    column: st.delta_generator.DeltaGenerator,
    label: str,
    value: str,
    help_text: str,
    delta: str | None,
    *,
    good: Literal["up", "down", "neither"],
    delta_description: str | None,
) -> None:
    if delta is None or delta == i18n.MISSING:
        column.metric(label, value, help=help_text, border=True)
        return
    zero = delta.startswith("0")  # i18n.fmt_signed writes a change that rounds to zero without a sign
    column.metric(
        label,
        value,
        delta=delta,
        delta_color="off" if zero or good == "neither" else "inverse" if good == "down" else "normal",
        delta_arrow="off" if zero else "auto",
        delta_description=delta_description,
        help=help_text,
        border=True,
    )


def warning_text(warning: lineage_data.InputWarning, lang: str, *, short: bool = False) -> str:
    """One input warning in a sentence (or, ``short``, a few words): which input, and why."""
    prefix = "badge_short_" if short else "badge_"
    if warning.reason == "failed":
        return i18n.t(f"{prefix}failed", lang, table=warning.table, failed=warning.failed, suite=warning.suite)
    if warning.reason == "stale":
        limit = i18n.fmt_number(warning.limit_days, lang)
        if warning.age_days is None:
            return i18n.t(f"{prefix}stale_never", lang, source=warning.source, limit=limit)
        age = i18n.fmt_number(warning.age_days, lang)
        return i18n.t(f"{prefix}stale", lang, source=warning.source, age=age, limit=limit)
    return i18n.t(f"{prefix}anomalous", lang, source=warning.source, note=warning.note or i18n.MISSING)


LINEAGE_PAGE = "auditor/lineage.py"  # as registered in dashboards/app.py


def kpi_badge(
    column: st.delta_generator.DeltaGenerator,
    kpi: str,
    warnings: Sequence[lineage_data.InputWarning],
    lang: str,
) -> None:
    """A ⚠ badge under a KPI tile with the reasons in full as its tooltip, the reasons in short one per line,
    and a link to the KPI's lineage page."""
    reasons = [warning_text(w, lang) for w in warnings]
    column.badge(i18n.t("badge_label", lang), icon="⚠️", color="orange", help="\n\n".join(reasons))
    column.caption("\n".join(f"- {warning_text(w, lang, short=True)}" for w in warnings))
    column.page_link(
        LINEAGE_PAGE, label=i18n.t("badge_link", lang), icon=":material/account_tree:", query_params={"kpi": kpi}
    )


def chart_and_table(chart: charts.AnyChart, table: pl.DataFrame, lang: str, file_stem: str) -> None:
    """A chart in one tab, its table view with formula-safe CSV/XLSX exports in the other."""
    chart_tab, table_tab = st.tabs([i18n.t("tab_chart", lang), i18n.t("tab_table", lang)])
    with chart_tab:
        if table.is_empty():
            st.info(i18n.t("no_rows", lang))
        else:
            st.altair_chart(charts.localised(chart, lang))
    with table_tab:
        table_with_exports(table, lang, file_stem)


def table_with_exports(df: pl.DataFrame, lang: str, file_stem: str) -> None:
    """A chart's table view plus formula-safe CSV and XLSX downloads; dates shown the ``lang`` way."""
    st.dataframe(df, hide_index=True, column_config=_date_columns(df, lang))
    buttons = st.container(horizontal=True)
    # The files are built only when a button is clicked: building an XLSX of 25k rows on every render took ~1 s.
    buttons.download_button(
        i18n.t("download_csv", lang),
        data=lambda: export.to_csv_bytes(df),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"{file_stem}_csv",
    )
    buttons.download_button(
        i18n.t("download_xlsx", lang),
        data=lambda: export.to_xlsx_bytes(df, sheet=file_stem),
        file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key=f"{file_stem}_xlsx",
    )


def _date_columns(df: pl.DataFrame, lang: str) -> dict[str, Any]:
    """Display formats for the date and datetime columns of ``df`` (vi ``dd/mm/yyyy``, en ``yyyy-mm-dd``)."""
    day = i18n.DATE_INPUT_FORMAT[lang]
    config: dict[str, Any] = {}
    for name, dtype in df.schema.items():
        if dtype == pl.Date:
            config[name] = st.column_config.DateColumn(format=day)
        elif isinstance(dtype, pl.Datetime):
            config[name] = st.column_config.DatetimeColumn(format=f"{day} HH:mm")
    return config
