"""One row per takedown/abuse request with its response time and whether it counts for the enforcement rate.

Builds ``marts.platform_requests`` (PRODUCT.md, "platform responsiveness"). The dashboard aggregates
per platform: median ``response_h`` and enforcement rate = sum(is_enforcement) / sum(counts_for_rate).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from transforms.case_facts import ENFORCEMENT_ACTIONS, UTC_US, hours_between, utc_as_of

UNANSWERED_ACTIONS = ("pending", "no_response")
"""Outcomes that carry no platform answer, hence no response time."""

PLATFORM_REQUESTS_SCHEMA = pl.Schema(
    {
        "request_id": pl.String(),
        "case_agency": pl.String(),
        "case_id": pl.String(),
        "platform": pl.String(),
        "category": pl.String(),
        "severity": pl.Int8(),
        "requested_at": UTC_US,
        "responded_at": UTC_US,
        "response_h": pl.Float64(),
        "action": pl.String(),
        "is_enforcement": pl.Boolean(),
        "counts_for_rate": pl.Boolean(),
        "as_of": UTC_US,
    }
)
"""Columns of ``marts.platform_requests`` in DDL order (concord/warehouse.py)."""


def requests_as_of(platform_actions: pl.LazyFrame, as_of: datetime) -> pl.LazyFrame:
    """Requests made by as_of; an answer recorded after as_of is not known yet, so the request is pending."""
    as_of_utc = utc_as_of(as_of)
    answered_later = pl.col("responded_at") > as_of_utc
    return platform_actions.filter(pl.col("requested_at") <= as_of_utc).with_columns(
        action=pl.when(answered_later).then(pl.lit("pending")).otherwise(pl.col("action")),
        responded_at=pl.when(answered_later).then(None).otherwise(pl.col("responded_at")),
    )


def platform_requests(platform_actions: pl.LazyFrame, case_facts: pl.LazyFrame, *, as_of: datetime) -> pl.LazyFrame:
    """``marts.platform_requests``: one row per request made by as_of, in the mart's column order and types."""
    as_of_utc = utc_as_of(as_of)
    cases = case_facts.select("case_id", "category", "severity", case_agency="agency_code")
    return (
        requests_as_of(platform_actions, as_of_utc)
        .join(cases, on=["case_agency", "case_id"], how="left")
        .with_columns(
            as_of=pl.lit(as_of_utc, dtype=UTC_US),
            response_h=pl.when(~pl.col("action").is_in(UNANSWERED_ACTIONS)).then(
                hours_between("requested_at", "responded_at")
            ),
            is_enforcement=pl.col("action").is_in(sorted(ENFORCEMENT_ACTIONS)),
            counts_for_rate=pl.col("action") != "pending",
        )
        .select([pl.col(name).cast(dtype) for name, dtype in PLATFORM_REQUESTS_SCHEMA.items()])
    )
