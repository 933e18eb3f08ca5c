"""Data contract for ``staging.platform_actions``: takedown/abuse requests to platforms and their answers."""

from __future__ import annotations

from concord.codes import ACTIONS
from expectations.cases import PLATFORMS
from expectations.contract import (
    AGENCY_CODES,
    TableContract,
    columns_exist,
    in_set,
    not_before,
    not_null,
    parameter,
    row_count_between,
    unique,
)

COLUMNS = (
    "request_id",
    "case_agency",
    "case_id",
    "platform",
    "requested_at",
    "responded_at",
    "action",
    "batch_id",
    "row_number",
)

CONTRACT = TableContract(
    table="staging.platform_actions",
    checks=(
        row_count_between(0, 100_000_000, why="Requests may be few, never more than 100 M: that is a runaway load."),
        columns_exist(
            COLUMNS,
            why="Platform responsiveness, time to action and lineage read these columns by name.",
        ),
        not_null("request_id", why="A request without an id cannot be traced to its file."),
        unique("request_id", why="A request listed twice doubles its platform's enforcement count."),
        not_null("case_agency", why="Time to action joins each request to its case through (case_agency, case_id)."),
        not_null("case_id", why="Time to action joins each request to its case through (case_agency, case_id)."),
        in_set(
            "case_agency",
            parameter(AGENCY_CODES),
            why="A request for an unknown agency's case can never join a case.",
        ),
        in_set("platform", PLATFORMS, why="Responsiveness is reported per platform; unknown codes fall out."),
        not_null("requested_at", why="Platform response time is measured from the request."),
        in_set(
            "action",
            ACTIONS,
            why="Enforcement rate and time to action read the action code; an unknown one is silently neither.",
        ),
        not_before(
            "responded_at",
            "requested_at",
            why="An answer before the request gives a negative platform response time.",
        ),
    ),
)
