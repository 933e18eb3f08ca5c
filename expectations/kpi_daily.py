"""Data contract for ``marts.kpi_daily``: the daily counts behind the leadership overview and trends."""

from __future__ import annotations

from expectations.contract import TableContract, between, columns_exist, no_rows, unique_together

DIMENSIONS = ("day", "agency_code", "category", "severity", "platform")
COUNTS = (
    "cases_detected",
    "cases_actioned",
    "sla_met",
    "sla_breached",
    "sla_pending",
    "duplicates",
    "backlog_open",
)

CONTRACT = TableContract(
    table="marts.kpi_daily",
    checks=(
        columns_exist((*DIMENSIONS, *COUNTS), why="The overview and trend pages read these columns by name."),
        unique_together(DIMENSIONS, why="Two rows for one day and dimension would be added twice in every total."),
        *(
            between(column, 0, None, why="A count below zero is a bug in the mart, never a real day.")
            for column in COUNTS
        ),
        no_rows(
            "SELECT day, agency_code, category, severity, platform FROM {batch}"
            " WHERE sla_met + sla_breached + sla_pending <> cases_detected",
            why="Every case detected on a day is met, breached or pending: the three must add up to it.",
        ),
        no_rows(
            "SELECT day, agency_code, category, severity, platform FROM {batch} WHERE duplicates > cases_detected",
            why="Duplicates are a subset of the day's new cases; more would put the duplicate rate above 100%.",
        ),
        no_rows(
            "SELECT k.n AS kpi_cases, f.n AS fact_cases"
            " FROM (SELECT coalesce(sum(cases_detected), 0) AS n FROM {batch}) k,"
            " (SELECT count(*) AS n FROM marts.case_facts WHERE detected_at <= as_of) f WHERE k.n <> f.n",
            why="Daily new cases must add up to the cases in case_facts, or a trend misses some.",
        ),
    ),
)
