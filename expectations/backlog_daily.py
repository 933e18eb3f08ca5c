"""Data contract for ``marts.backlog_daily``: open cases at the end of each local day by age bucket."""

from __future__ import annotations

from expectations.contract import TableContract, between, columns_exist, in_set, unique_together

AGE_BUCKETS = ("0-1d", "1-3d", "3-7d", "7-30d", "30d+")
KEY = ("day", "agency_code", "category", "severity", "platform", "age_bucket")

CONTRACT = TableContract(
    table="marts.backlog_daily",
    checks=(
        columns_exist((*KEY, "open_cases"), why="The backlog-ageing page reads these columns by name."),
        unique_together(KEY, why="Two rows for one day and bucket would double that day's backlog."),
        in_set("age_bucket", AGE_BUCKETS, why="The ageing chart stacks exactly these buckets; others vanish from it."),
        between("open_cases", 1, None, why="Only non-empty groups are stored: zero or less is a bug in the mart."),
    ),
)
