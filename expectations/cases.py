"""Data contract for ``staging.cases``: one row per case key (agency_code, case_id), the input of every KPI."""

from __future__ import annotations

from concord.codes import CATEGORIES, PLATFORMS, STATUSES
from expectations.contract import (
    AGENCY_CODES,
    TableContract,
    between,
    columns_exist,
    in_set,
    not_before,
    not_null,
    parameter,
    row_count_between,
    unique_together,
)

COLUMNS = (
    "agency_code",
    "case_id",
    "detected_at",
    "url",
    "url_key",
    "platform",
    "category",
    "severity",
    "reach",
    "status",
    "triaged_at",
    "closed_at",
    "batch_id",
    "row_number",
)

CONTRACT = TableContract(
    table="staging.cases",
    checks=(
        columns_exist(
            COLUMNS,
            why="The warehouse contract: marts, BI tools and auditors query these names.",
        ),
        row_count_between(
            1,
            100_000_000,
            why="No cases means the load failed, not a quiet year; 10× the benchmark's 10 M is a runaway load.",
        ),
        not_null("agency_code", why="Half a case key can be neither traced nor deduplicated."),
        not_null("case_id", why="Half a case key can be neither traced nor deduplicated."),
        unique_together(
            ("agency_code", "case_id"),
            why="A case counted twice inflates volumes and SLA breaches; corrections must supersede, not add.",
        ),
        in_set(
            "agency_code",
            parameter(AGENCY_CODES),
            why="A case from an agency not in staging.agencies has no scorecard, tier or role to report under.",
        ),
        not_null("detected_at", why="Every duration and SLA clock starts at detection."),
        not_null(
            "url_key", why="The item key links duplicates, platform actions and public responses across agencies."
        ),
        in_set("platform", PLATFORMS, why="Platform responsiveness is reported per platform; unknown codes fall out."),
        in_set("category", CATEGORIES, why="SLA, hotspots and public-response coverage are defined per category."),
        between("severity", 1, 4, why="Severity picks the SLA target (critical 4 h … low 168 h): 1 to 4 only."),
        between("reach", 0, None, why="Reach ≥ 10,000 gates public-response coverage; a negative count is an error."),
        in_set("status", STATUSES, why="Backlog and case-flow views count cases by status."),
        not_before(
            "triaged_at",
            "detected_at",
            why="Triage before detection gives a negative time to triage and flatters the median.",
        ),
        not_before(
            "closed_at",
            "detected_at",
            why="Closing before detection gives a negative time to close and a false SLA pass.",
        ),
    ),
)
