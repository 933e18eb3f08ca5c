"""Chart specs and their table views, built from the frames ``dashboards.data`` returns (no I/O)."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import polars as pl

from dashboards import i18n
from dashboards.data import AGE_BUCKETS, OUTCOMES


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
    line = base.mark_line(point=alt.OverlayMarkDef(color="#d62728"), color="#d62728").encode(
        y=alt.Y("sla_compliance:Q", title=compliance, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=[
            alt.Tooltip("iso_week:O", title=week),
            alt.Tooltip("sla_compliance:Q", title=compliance, format=".1%"),
        ],
    )
    return alt.layer(bars, line).resolve_scale(y="independent")


# --- shared -------------------------------------------------------------------------------------------

AnyChart = alt.Chart | alt.LayerChart | alt.FacetChart

# Vega's number and time locale per language, so axes and tooltips read 1.234,5 and 57,1% in Vietnamese.
VEGA_LOCALE: dict[str, dict[str, object]] = {
    "vi": {
        "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]},
        "time": {
            "dateTime": "%A, %e %B %Y, %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": ["SA", "CH"],
            "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
            "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
            "months": [f"tháng {m}" for m in range(1, 13)],
            "shortMonths": [f"Th{m}" for m in range(1, 13)],
        },
    },
    "en": {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]}},
}
# Day labels on time axes, in the order fmt_date writes them.
AXIS_DAY_FORMAT = {"vi": "%d/%m", "en": "%m-%d"}


def localised(chart: AnyChart, lang: str) -> AnyChart:
    """``chart`` with Vega's number/time locale for ``lang`` (apply last: a configured chart cannot be layered)."""
    return chart.configure(locale=VEGA_LOCALE[i18n.normalise_lang(lang)])


def agency_names(agencies: pl.DataFrame, lang: str) -> dict[str, str]:
    """Agency code → display name in ``lang`` (from FilterOptions.agencies)."""
    column = "name" if i18n.normalise_lang(lang) == "vi" else "name_en"
    return dict(zip(agencies["agency_code"], agencies[column], strict=True))


def _label(column: str, mapping: dict[str, str]) -> pl.Expr:
    """``column`` with codes replaced by display names (unknown codes kept)."""
    return pl.col(column).replace(mapping)


def _labels(codes: object, label: Callable[[str, str], str], lang: str) -> dict[str, str]:
    return {code: label(code, lang) for code in codes}  # type: ignore[attr-defined]


def _pct(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round(1)


def _h(column: str) -> pl.Expr:
    return pl.col(column).round(1)


# --- trends -------------------------------------------------------------------------------------------

# metric column → (label key, kind): the kind picks the axis format.
TREND_METRICS: dict[str, tuple[str, str]] = {
    "cases": ("col_cases", "count"),
    "median_triage_h": ("col_median_triage_h", "hours"),
    "median_action_h": ("col_median_action_h", "hours"),
    "median_close_h": ("col_median_close_h", "hours"),
    "sla_compliance": ("kpi_sla", "ratio"),
    "duplicate_rate": ("metric_duplicate_rate", "ratio"),
}
AXIS_FORMAT = {"count": ",d", "hours": ",.1f", "ratio": ".0%"}
TOOLTIP_FORMAT = {"count": ",d", "hours": ",.1f", "ratio": ".1%"}


def trend_table(trend: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Every trend metric per period, labelled in ``lang``; hours to 1 decimal, rates in percent."""
    return trend.select(
        pl.col("period").alias(i18n.t("col_period", lang)),
        pl.col("period_start").alias(i18n.t("col_period_start", lang)),
        pl.col("cases").alias(i18n.t("col_cases", lang)),
        _h("median_triage_h").alias(i18n.t("col_median_triage_h", lang)),
        _h("median_action_h").alias(i18n.t("col_median_action_h", lang)),
        _h("median_close_h").alias(i18n.t("col_median_close_h", lang)),
        pl.col("sla_met").alias(i18n.t("col_sla_met", lang)),
        pl.col("sla_breached").alias(i18n.t("col_sla_breached", lang)),
        _pct("sla_compliance").alias(i18n.t("col_sla_compliance", lang)),
        pl.col("duplicates").alias(i18n.t("col_duplicates", lang)),
        _pct("duplicate_rate").alias(i18n.t("col_duplicate_rate", lang)),
    )


def trend_chart(trend: pl.DataFrame, metric: str, lang: str) -> alt.Chart:
    """Bars (counts) or a line (durations, rates) of ``metric`` per period."""
    label_key, kind = TREND_METRICS[metric]
    period, title = i18n.t("col_period", lang), i18n.t(label_key, lang)
    frame = trend.select("period", pl.col(metric).cast(pl.Float64)).to_pandas()
    base = alt.Chart(frame).encode(
        x=alt.X("period:O", title=period, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(f"{metric}:Q", title=title, axis=alt.Axis(format=AXIS_FORMAT[kind])),
        tooltip=[
            alt.Tooltip("period:O", title=period),
            alt.Tooltip(f"{metric}:Q", title=title, format=TOOLTIP_FORMAT[kind]),
        ],
    )
    return base.mark_bar(opacity=0.8) if kind == "count" else base.mark_line(point=True)


# --- agency scorecards --------------------------------------------------------------------------------

SCORECARD_COLUMNS: dict[str, tuple[str, str]] = {
    "cases": ("col_cases", "count"),
    "median_action_h": ("col_median_action_h", "hours"),
    "sla_compliance": ("col_sla_compliance", "ratio"),
    "duplicate_rate": ("col_duplicate_rate", "ratio"),
    "handoffs_sent": ("col_handoffs_sent", "count"),
    "handoffs_received": ("col_handoffs_received", "count"),
    "median_ack_h": ("col_median_ack_h", "hours"),
}


def _scorecard_values(metric: str, kind: str) -> pl.Expr:
    if kind == "ratio":
        return _pct(metric)
    if kind == "hours":
        return _h(metric)
    return pl.col(metric).cast(pl.Float64)


def scorecard_table(cards: pl.DataFrame, network: dict[str, float | None], lang: str) -> pl.DataFrame:
    """One row per agency (name in ``lang``, tier) and a last row with the network medians."""
    name = "name" if i18n.normalise_lang(lang) == "vi" else "name_en"
    tiers = _labels(cards["tier"].drop_nulls().unique(), i18n.tier_label, lang)
    rows = cards.select(
        pl.col(name).alias("agency"),
        _label("tier", tiers).alias("tier"),
        *(_scorecard_values(m, kind).alias(m) for m, (_, kind) in SCORECARD_COLUMNS.items()),
    )
    network_row = pl.DataFrame(
        {
            "agency": [i18n.t("network_median", lang)],
            "tier": [None],
            **{m: [network.get(m)] for m in SCORECARD_COLUMNS},
        },
        schema={"agency": pl.String, "tier": pl.String, **dict.fromkeys(SCORECARD_COLUMNS, pl.Float64)},
    ).select("agency", "tier", *(_scorecard_values(m, kind).alias(m) for m, (_, kind) in SCORECARD_COLUMNS.items()))
    table = pl.concat([rows, network_row])
    return table.rename(
        {"agency": i18n.t("col_agency", lang), "tier": i18n.t("col_tier", lang)}
        | {m: i18n.t(key, lang) for m, (key, _) in SCORECARD_COLUMNS.items()}
    )


def scorecard_chart(cards: pl.DataFrame, network_value: float | None, metric: str, lang: str) -> alt.LayerChart:
    """Horizontal bars of ``metric`` per agency coloured by tier, with the network median as a dashed rule."""
    label_key, kind = SCORECARD_COLUMNS[metric]
    title = i18n.t(label_key, lang).replace(" (%)", "")
    agency, tier = i18n.t("col_agency", lang), i18n.t("col_tier", lang)
    name = "name" if i18n.normalise_lang(lang) == "vi" else "name_en"
    tiers = _labels(cards["tier"].drop_nulls().unique(), i18n.tier_label, lang)
    frame = cards.select(
        pl.col(name).alias("agency"),
        _label("tier", tiers).fill_null(i18n.MISSING).alias("tier"),
        pl.col(metric).cast(pl.Float64).alias("value"),
    ).to_pandas()
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("agency:N", title=agency, sort=list(frame["agency"]), axis=alt.Axis(labelLimit=260)),
            x=alt.X("value:Q", title=title, axis=alt.Axis(format=AXIS_FORMAT[kind])),
            color=alt.Color("tier:N", title=tier),
            tooltip=[
                alt.Tooltip("agency:N", title=agency),
                alt.Tooltip("tier:N", title=tier),
                alt.Tooltip("value:Q", title=title, format=TOOLTIP_FORMAT[kind]),
            ],
        )
    )
    rule_frame = pd.DataFrame({"value": [network_value], "label": [i18n.t("network_median", lang)]})
    rule = (
        alt.Chart(rule_frame)
        .mark_rule(color="#333333", strokeDash=[6, 4], size=2)
        .encode(
            x="value:Q",
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("value:Q", title=title, format=TOOLTIP_FORMAT[kind]),
            ],
        )
    )
    layers = [bars, rule] if network_value is not None else [bars]
    return alt.LayerChart(layer=layers).properties(height=alt.Step(28))


# --- coordination -------------------------------------------------------------------------------------


def handoff_matrix_table(matrix: pl.DataFrame, names: dict[str, str], lang: str) -> pl.DataFrame:
    """From, to, hand-offs, median acknowledgement (h), stalled; agency names in ``lang``."""
    return matrix.select(
        _label("from_agency", names).alias(i18n.t("col_from_agency", lang)),
        _label("to_agency", names).alias(i18n.t("col_to_agency", lang)),
        pl.col("handoffs").alias(i18n.t("col_handoffs", lang)),
        _h("median_ack_h").alias(i18n.t("col_median_ack_h", lang)),
        pl.col("stalled").alias(i18n.t("col_stalled", lang)),
    )


def handoff_matrix_chart(matrix: pl.DataFrame, names: dict[str, str], lang: str) -> alt.LayerChart:
    """A from × to heatmap: colour = median acknowledgement latency (h), text = number of hand-offs."""
    sender, receiver = i18n.t("col_from_agency", lang), i18n.t("col_to_agency", lang)
    handoffs, ack, stalled = (i18n.t(k, lang) for k in ("col_handoffs", "col_median_ack_h", "col_stalled"))
    frame = matrix.select(
        _label("from_agency", names).alias("sender"),
        _label("to_agency", names).alias("receiver"),
        "handoffs",
        "median_ack_h",
        "stalled",
    ).to_pandas()
    order = sorted(set(frame["sender"]) | set(frame["receiver"]), key=i18n.sort_key)
    base = alt.Chart(frame).encode(
        x=alt.X("receiver:N", title=receiver, sort=order, axis=alt.Axis(labelAngle=-30, labelLimit=200)),
        y=alt.Y("sender:N", title=sender, sort=order, axis=alt.Axis(labelLimit=260)),
        tooltip=[
            alt.Tooltip("sender:N", title=sender),
            alt.Tooltip("receiver:N", title=receiver),
            alt.Tooltip("handoffs:Q", title=handoffs, format=",d"),
            alt.Tooltip("median_ack_h:Q", title=ack, format=",.1f"),
            alt.Tooltip("stalled:Q", title=stalled, format=",d"),
        ],
    )
    cells = base.mark_rect(stroke="#dddddd").encode(
        color=alt.Color("median_ack_h:Q", title=ack, scale=alt.Scale(scheme="orangered"))
    )
    text = base.mark_text(fontSize=13, fontWeight="bold").encode(text=alt.Text("handoffs:Q", format=",d"))
    return alt.LayerChart(layer=[cells, text]).properties(height=alt.Step(40))


def stalled_table(stalled: pl.DataFrame, names: dict[str, str], lang: str) -> pl.DataFrame:
    """Case key, from, to, sent (local), hours waiting, still waiting; agency names in ``lang``."""
    return stalled.select(
        pl.col("case_agency").alias(i18n.t("col_case_agency", lang)),
        pl.col("case_id").alias(i18n.t("col_case_id", lang)),
        _label("from_agency", names).alias(i18n.t("col_from_agency", lang)),
        _label("to_agency", names).alias(i18n.t("col_to_agency", lang)),
        pl.col("sent_local").alias(i18n.t("col_sent_local", lang)),
        _h("hours_waiting").alias(i18n.t("col_hours_waiting", lang)),
        pl.col("still_waiting").alias(i18n.t("col_still_waiting", lang)),
    )


def case_flow_table(flow: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Branch (all / handed off / not) × outcome → cases, in flow order, labelled in ``lang``."""
    outcomes = [*OUTCOMES, *sorted(set(flow["outcome"]) - set(OUTCOMES))]
    totals = flow.group_by("outcome").agg(pl.col("cases").sum()).with_columns(branch=pl.lit("flow_all"))
    branches = flow.select(
        pl.when(pl.col("referred"))
        .then(pl.lit("flow_referred"))
        .otherwise(pl.lit("flow_not_referred"))
        .alias("branch"),
        "outcome",
        "cases",
    )
    branch_order = ["flow_all", "flow_referred", "flow_not_referred"]
    long = pl.concat([totals.select("branch", "outcome", "cases"), branches]).with_columns(
        pl.col("branch").replace_strict({b: i for i, b in enumerate(branch_order)}).alias("branch_rank"),
        pl.col("outcome").replace_strict({o: i for i, o in enumerate(outcomes)}).alias("outcome_rank"),
    )
    return long.sort("branch_rank", "outcome_rank").select(
        pl.col("branch").replace({b: i18n.t(b, lang) for b in branch_order}).alias(i18n.t("col_branch", lang)),
        pl.col("outcome").replace(_labels(outcomes, i18n.outcome_label, lang)).alias(i18n.t("col_outcome", lang)),
        pl.col("cases").cast(pl.Int64).alias(i18n.t("col_cases", lang)),
    )


def case_flow_chart(flow_table: pl.DataFrame, lang: str) -> alt.Chart:
    """The case flow as stacked horizontal bars: all cases, then handed off / not, each split by outcome."""
    branch, outcome, cases = (i18n.t(k, lang) for k in ("col_branch", "col_outcome", "col_cases"))
    frame = flow_table.rename({branch: "branch", outcome: "outcome", cases: "cases"}).to_pandas()
    outcome_order = list(dict.fromkeys(frame["outcome"]))
    palette = ["#2ca02c", "#7f7f7f", "#d62728", "#ff7f0e", "#9467bd", "#8c564b"]
    return (
        alt.Chart(frame)
        .transform_calculate(outcome_rank=f"indexof({outcome_order!r}, datum.outcome)")
        .mark_bar()
        .encode(
            y=alt.Y("branch:N", title=branch, sort=list(dict.fromkeys(frame["branch"]))),
            x=alt.X("cases:Q", title=cases, stack="zero", axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(
                "outcome:N",
                title=outcome,
                sort=outcome_order,
                scale=alt.Scale(domain=outcome_order, range=palette[: len(outcome_order)]),
            ),
            order=alt.Order("outcome_rank:Q"),
            tooltip=[
                alt.Tooltip("branch:N", title=branch),
                alt.Tooltip("outcome:N", title=outcome),
                alt.Tooltip("cases:Q", title=cases, format=",d"),
            ],
        )
        .properties(height=alt.Step(45))
    )


def duplicates_table(trend: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Per ISO week: cases, uncoordinated duplicates and their rate in percent."""
    return trend.select(
        pl.col("period").alias(i18n.t("col_iso_week", lang)),
        pl.col("period_start").alias(i18n.t("col_week_start", lang)),
        pl.col("cases").alias(i18n.t("col_cases", lang)),
        pl.col("duplicates").alias(i18n.t("col_duplicates", lang)),
        _pct("duplicate_rate").alias(i18n.t("col_duplicate_rate", lang)),
    )


def duplicates_chart(trend: pl.DataFrame, lang: str) -> alt.LayerChart:
    """Bars of uncoordinated duplicates per ISO week and a line of their rate, on independent y axes."""
    week, count, rate = (i18n.t(k, lang) for k in ("col_iso_week", "col_duplicates", "metric_duplicate_rate"))
    frame = trend.select("period", "duplicates", "duplicate_rate").to_pandas()
    base = alt.Chart(frame).encode(x=alt.X("period:O", title=week, axis=alt.Axis(labelAngle=-45)))
    bars = base.mark_bar(opacity=0.6).encode(
        y=alt.Y("duplicates:Q", title=count, axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[alt.Tooltip("period:O", title=week), alt.Tooltip("duplicates:Q", title=count, format=",d")],
    )
    line = base.mark_line(point=alt.OverlayMarkDef(color="#d62728"), color="#d62728").encode(
        y=alt.Y("duplicate_rate:Q", title=rate, axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("period:O", title=week), alt.Tooltip("duplicate_rate:Q", title=rate, format=".1%")],
    )
    return alt.layer(bars, line).resolve_scale(y="independent")


# --- platforms ----------------------------------------------------------------------------------------


def platform_table(platforms: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per platform and a last "total" row: requests, pending, median and p90 (h), enforcement rate (%)."""
    labels = _labels(platforms["platform"].drop_nulls(), i18n.platform_label, lang)
    return platforms.select(
        _label("platform", labels).fill_null(i18n.t("total", lang)).alias(i18n.t("col_platform", lang)),
        pl.col("requests").alias(i18n.t("col_requests", lang)),
        pl.col("pending").alias(i18n.t("col_pending", lang)),
        _h("median_response_h").alias(i18n.t("col_median_response_h", lang)),
        _h("p90_response_h").alias(i18n.t("col_p90_response_h", lang)),
        _pct("enforcement_rate").alias(i18n.t("col_enforcement_rate", lang)),
    )


def platform_chart(platforms: pl.DataFrame, lang: str) -> alt.Chart:
    """Median and p90 response time per platform, side by side; the tooltip adds the enforcement rate."""
    platform, statistic, hours = (i18n.t(k, lang) for k in ("col_platform", "col_statistic", "col_hours"))
    enforcement = i18n.t("kpi_enforcement", lang)
    per_platform = platforms.filter(pl.col("platform").is_not_null())
    labels = _labels(per_platform["platform"], i18n.platform_label, lang)
    stats = {"median_response_h": i18n.t("stat_median", lang), "p90_response_h": i18n.t("stat_p90", lang)}
    frame = (
        per_platform.select(_label("platform", labels).alias("platform"), "enforcement_rate", *stats)
        .unpivot(index=["platform", "enforcement_rate"], on=list(stats), variable_name="statistic", value_name="hours")
        .with_columns(pl.col("statistic").replace(stats))
        .to_pandas()
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("platform:N", title=platform, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("statistic:N", sort=list(stats.values())),
            y=alt.Y("hours:Q", title=hours, axis=alt.Axis(format=",.0f")),
            color=alt.Color("statistic:N", title=statistic, sort=list(stats.values())),
            tooltip=[
                alt.Tooltip("platform:N", title=platform),
                alt.Tooltip("statistic:N", title=statistic),
                alt.Tooltip("hours:Q", title=hours, format=",.1f"),
                alt.Tooltip("enforcement_rate:Q", title=enforcement, format=".1%"),
            ],
        )
    )


# --- backlog ------------------------------------------------------------------------------------------


def backlog_day_table(by_day: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per day, one column per age bucket (youngest first) and the total."""
    buckets = [b for b in AGE_BUCKETS if b in set(by_day["age_bucket"])]
    buckets += sorted(set(by_day["age_bucket"]) - set(AGE_BUCKETS))
    if by_day.is_empty():
        wide = pl.DataFrame(schema={"day": pl.Date})
    else:
        wide = by_day.pivot(on="age_bucket", index="day", values="open_cases", aggregate_function="sum").fill_null(0)
    wide = wide.select("day", *buckets).with_columns(
        pl.sum_horizontal(*buckets).alias("total") if buckets else pl.lit(0).alias("total")
    )
    return wide.sort("day").rename(
        {"day": i18n.t("col_day", lang), "total": i18n.t("total", lang)}
        | {b: i18n.age_bucket_label(b, lang) for b in buckets}
    )


def backlog_chart(by_day: pl.DataFrame, lang: str) -> alt.Chart:
    """Open cases at the end of each day, stacked by age bucket (youngest at the bottom)."""
    day, bucket, cases = (i18n.t(k, lang) for k in ("col_day", "col_age_bucket", "col_open_cases"))
    order = [i18n.age_bucket_label(b, lang) for b in AGE_BUCKETS]
    frame = by_day.select(
        "day",
        pl.col("age_bucket").replace(_labels(AGE_BUCKETS, i18n.age_bucket_label, lang)).alias("bucket"),
        pl.col("age_bucket")
        .replace_strict({b: i for i, b in enumerate(AGE_BUCKETS)}, default=len(AGE_BUCKETS))
        .alias("rank"),
        "open_cases",
    ).to_pandas()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            # ordinal days: one band per day, labelled under its bar (thinned when they would overlap)
            x=alt.X(
                "yearmonthdate(day):O",
                title=day,
                axis=alt.Axis(format=AXIS_DAY_FORMAT[i18n.normalise_lang(lang)], labelOverlap=True, labelAngle=0),
            ),
            y=alt.Y("sum(open_cases):Q", title=cases, axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color("bucket:N", title=bucket, sort=order, scale=alt.Scale(domain=order, scheme="orangered")),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("yearmonthdate(day):T", title=day, format=i18n.DATE_FORMAT_D3[i18n.normalise_lang(lang)]),
                alt.Tooltip("bucket:N", title=bucket),
                alt.Tooltip("sum(open_cases):Q", title=cases, format=",d"),
            ],
        )
    )


def backlog_snapshot_table(snapshot: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Age bucket, open cases and share of the open backlog (%), youngest first."""
    total = snapshot["open_cases"].sum()
    return snapshot.select(
        pl.col("age_bucket")
        .replace(_labels(snapshot["age_bucket"], i18n.age_bucket_label, lang))
        .alias(i18n.t("col_age_bucket", lang)),
        pl.col("open_cases").alias(i18n.t("col_open_cases", lang)),
        (pl.col("open_cases") / total * 100 if total else pl.lit(None, dtype=pl.Float64))
        .round(1)
        .alias(i18n.t("col_share", lang)),
    )


# --- hotspots -----------------------------------------------------------------------------------------


def hotspot_table(days: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Category, day, new cases, trailing mean and std, σ above the mean, hotspot flag; labelled in ``lang``."""
    return days.select(
        pl.col("category")
        .replace(_labels(days["category"].unique(), i18n.category_label, lang))
        .alias(i18n.t("col_category", lang)),
        pl.col("day").alias(i18n.t("col_day", lang)),
        pl.col("new_cases").alias(i18n.t("col_new_cases", lang)),
        _h("trailing_mean").alias(i18n.t("col_trailing_mean", lang)),
        _h("trailing_std").alias(i18n.t("col_trailing_std", lang)),
        _h("sigma").alias(i18n.t("col_sigma", lang)),
        pl.col("is_hotspot").alias(i18n.t("col_is_hotspot", lang)),
    )


def hotspot_chart(days: pl.DataFrame, lang: str) -> alt.FacetChart:
    """One panel per category: new cases and the trailing mean per day, hotspot days marked in red."""
    day, cases, category = (i18n.t(k, lang) for k in ("col_day", "col_cases_count", "col_category"))
    series_title, hotspot = i18n.t("col_series", lang), i18n.t("col_is_hotspot", lang)
    new, mean = i18n.t("col_new_cases", lang), i18n.t("col_trailing_mean", lang)
    frame = (
        days.select(
            pl.col("category").replace(_labels(days["category"].unique(), i18n.category_label, lang)).alias("category"),
            "day",
            "is_hotspot",
            pl.col("new_cases").cast(pl.Float64).alias(new),
            pl.col("trailing_mean").alias(mean),
        )
        .unpivot(index=["category", "day", "is_hotspot"], on=[new, mean], variable_name="series", value_name="cases")
        .with_columns(marked=pl.col("is_hotspot") & (pl.col("series") == new))
        .to_pandas()
    )
    day_format = AXIS_DAY_FORMAT[i18n.normalise_lang(lang)]
    base = alt.Chart().encode(
        x=alt.X("yearmonthdate(day):T", title=day, axis=alt.Axis(format=day_format)),
        y=alt.Y("cases:Q", title=cases, axis=alt.Axis(format=",d", tickMinStep=1)),
    )
    tooltip = [
        alt.Tooltip("category:N", title=category),
        alt.Tooltip("yearmonthdate(day):T", title=day, format=i18n.DATE_FORMAT_D3[i18n.normalise_lang(lang)]),
        alt.Tooltip("series:N", title=series_title),
        alt.Tooltip("cases:Q", title=cases, format=",.1f"),
    ]
    lines = base.mark_line(point=True).encode(
        color=alt.Color(
            "series:N",
            title=series_title,
            sort=[new, mean],
            scale=alt.Scale(domain=[new, mean], range=["#0b5cad", "#999999"]),
            legend=alt.Legend(orient="top"),
        ),
        strokeDash=alt.StrokeDash("series:N", sort=[new, mean], legend=None),
        tooltip=tooltip,
    )
    marks = (
        base.transform_filter(alt.datum.marked)
        .mark_point(shape="diamond", size=160, filled=True, color="#d62728")
        .encode(tooltip=[*tooltip, alt.Tooltip("is_hotspot:N", title=hotspot)])
    )
    return (
        alt.layer(lines, marks, data=frame)
        .properties(height=130, width=700)
        .facet(row=alt.Row("category:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")), spacing=24)
        .resolve_scale(y="independent")
    )


# --- public responses ---------------------------------------------------------------------------------


def uncovered_table(uncovered: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Case key, category, reach, detected (local), hours to the first response (none: empty)."""
    return uncovered.select(
        pl.col("agency_code").alias(i18n.t("col_agency_code", lang)),
        pl.col("case_id").alias(i18n.t("col_case_id", lang)),
        pl.col("category")
        .replace(_labels(uncovered["category"].unique(), i18n.category_label, lang))
        .alias(i18n.t("col_category", lang)),
        pl.col("reach").alias(i18n.t("col_reach", lang)),
        pl.col("detected_local").alias(i18n.t("col_detected_local", lang)),
        _h("time_to_response_h").alias(i18n.t("col_time_to_response_h", lang)),
    )


def coverage_table(trend: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Per ISO week: eligible cases, covered within 48 h, coverage (%)."""
    return trend.select(
        pl.col("iso_week").alias(i18n.t("col_iso_week", lang)),
        pl.col("week_start").alias(i18n.t("col_week_start", lang)),
        pl.col("eligible").alias(i18n.t("col_eligible", lang)),
        pl.col("decided").alias(i18n.t("col_decided", lang)),
        pl.col("covered").alias(i18n.t("col_covered", lang)),
        _pct("coverage").alias(i18n.t("col_coverage", lang)),
    )


def coverage_chart(trend: pl.DataFrame, lang: str) -> alt.LayerChart:
    """Bars of eligible cases per ISO week and a line of the share covered within 48 h."""
    week, eligible, coverage = (i18n.t(k, lang) for k in ("col_iso_week", "col_eligible", "kpi_coverage"))
    frame = trend.select("iso_week", "eligible", "coverage").to_pandas()
    base = alt.Chart(frame).encode(x=alt.X("iso_week:O", title=week, axis=alt.Axis(labelAngle=-45)))
    bars = base.mark_bar(opacity=0.6).encode(
        y=alt.Y("eligible:Q", title=eligible, axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[alt.Tooltip("iso_week:O", title=week), alt.Tooltip("eligible:Q", title=eligible, format=",d")],
    )
    line = base.mark_line(point=alt.OverlayMarkDef(color="#2ca02c"), color="#2ca02c").encode(
        y=alt.Y("coverage:Q", title=coverage, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("iso_week:O", title=week), alt.Tooltip("coverage:Q", title=coverage, format=".1%")],
    )
    return alt.layer(bars, line).resolve_scale(y="independent")
