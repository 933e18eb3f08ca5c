"""Data contract for ``staging.referrals``: hand-offs of a case from one agency to another."""

from __future__ import annotations

from concord.codes import OUTCOMES
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
    "referral_id",
    "case_agency",
    "case_id",
    "from_agency",
    "to_agency",
    "sent_at",
    "acknowledged_at",
    "completed_at",
    "outcome",
    "batch_id",
    "row_number",
)

CONTRACT = TableContract(
    table="staging.referrals",
    checks=(
        row_count_between(
            0,
            100_000_000,
            why="Hand-offs may be few, never more than 100 M: that is a runaway load or a join gone wrong.",
        ),
        columns_exist(
            COLUMNS,
            why="Hand-off metrics and lineage read these columns by name.",
        ),
        not_null("referral_id", why="A hand-off without an id cannot be traced to its file."),
        unique("referral_id", why="A hand-off listed twice counts twice in the hand-off matrix."),
        not_null("case_agency", why="A referral links to its case through (case_agency, case_id)."),
        not_null("case_id", why="A referral links to its case through (case_agency, case_id)."),
        in_set(
            "from_agency",
            parameter(AGENCY_CODES),
            why="The hand-off matrix has one row per member agency; an unknown sender falls out of it.",
        ),
        in_set(
            "to_agency",
            parameter(AGENCY_CODES),
            why="The hand-off matrix has one column per member agency; an unknown receiver falls out of it.",
        ),
        not_null("sent_at", why="Acknowledgement latency and the 24 h stall rule are measured from sending."),
        in_set("outcome", OUTCOMES, why="Completion and ping-pong read the outcome code (empty while pending)."),
        not_before(
            "acknowledged_at",
            "sent_at",
            why="An acknowledgement before sending gives a negative latency.",
        ),
        not_before("completed_at", "sent_at", why="A hand-off cannot complete before it was sent."),
    ),
)
