"""Data contract for ``marts.case_facts``: one row per case key, the base of every SLA and duplicate KPI."""

from __future__ import annotations

from concord.codes import CATEGORIES
from expectations.contract import (
    TableContract,
    between,
    columns_exist,
    in_set,
    not_null,
    same_row_count_as,
    unique_together,
)

SLA_STATUSES = ("met", "breached", "pending")

CONTRACT = TableContract(
    table="marts.case_facts",
    checks=(
        columns_exist(
            (
                "agency_code",
                "case_id",
                "url_key",
                "category",
                "severity",
                "detected_at",
                "time_to_triage_h",
                "time_to_action_h",
                "time_to_close_h",
                "sla_status",
                "is_uncoordinated_duplicate",
            ),
            why="The warehouse contract: dashboards, BI tools and auditors query these names.",
        ),
        same_row_count_as(
            "staging.cases", why="One fact per staged case: a lost or doubled case changes every rate built on it."
        ),
        unique_together(
            ("agency_code", "case_id"), why="A case counted twice doubles its weight in SLA and duplicate rates."
        ),
        in_set("sla_status", SLA_STATUSES, why="SLA compliance is met / (met + breached); any other value is lost."),
        between("time_to_triage_h", 0, None, why="A negative delay would flatter the median time to triage."),
        between("time_to_action_h", 0, None, why="A negative delay would count as an SLA pass it never earned."),
        between("time_to_close_h", 0, None, why="A negative delay would flatter the median time to close."),
        between("severity", 1, 4, why="Severity picks the SLA target; outside 1 to 4 the case has none."),
        in_set("category", CATEGORIES, why="KPIs are filtered and grouped by category; unknown codes fall out."),
        not_null(
            "is_uncoordinated_duplicate",
            why="The duplicate rate divides by all cases: an unknown flag is neither a duplicate nor not.",
        ),
    ),
)
