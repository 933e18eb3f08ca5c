"""Wide-reach misinformation cases and whether an official public response followed within 48 hours.

Builds ``marts.public_response_coverage`` (PRODUCT.md, "public-response coverage"). The dashboard
computes coverage = covered / cases and the median ``time_to_response_h`` over the cases it selects.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from transforms.case_facts import UTC_US, hours_between, utc_as_of

MISINFO_CATEGORIES = ("health_misinfo", "disaster_misinfo")
MIN_REACH = 10_000
"""Cases reaching at least this many views or shares (inclusive) need a public response."""
RESPONSE_WINDOW_H = 48.0
"""A response published at most this many hours after detection (inclusive) covers the case."""

PUBLIC_RESPONSE_COVERAGE_SCHEMA = pl.Schema(
    {
        "agency_code": pl.String(),
        "case_id": pl.String(),
        "url_key": pl.String(),
        "category": pl.String(),
        "severity": pl.Int8(),
        "platform": pl.String(),
        "reach": pl.Int64(),
        "detected_at": UTC_US,
        "first_response_at": UTC_US,
        "time_to_response_h": pl.Float64(),
        "covered_within_48h": pl.Boolean(),
        "as_of": UTC_US,
    }
)
"""Columns of ``marts.public_response_coverage`` in DDL order (concord/warehouse.py)."""

_CASE_KEY = ["agency_code", "case_id"]


def cases_needing_response(case_facts: pl.LazyFrame) -> pl.LazyFrame:
    """Misinformation cases (health or disaster) with a reach of at least MIN_REACH."""
    return case_facts.filter(pl.col("category").is_in(MISINFO_CATEGORIES), pl.col("reach") >= MIN_REACH)


def first_responses(
    cases: pl.LazyFrame, public_responses: pl.LazyFrame, public_response_targets: pl.LazyFrame, as_of: datetime
) -> pl.LazyFrame:
    """Per case key, the earliest response to its url_key published by as_of and not before detection."""
    published = public_responses.filter(pl.col("published_at") <= utc_as_of(as_of)).select(
        "response_id", "published_at"
    )
    answers = public_response_targets.select("response_id", "url_key").join(published, on="response_id")
    return (
        cases.select(*_CASE_KEY, "url_key", "detected_at")
        .join(answers, on="url_key")
        .filter(pl.col("published_at") >= pl.col("detected_at"))
        .group_by(_CASE_KEY)
        .agg(first_response_at=pl.col("published_at").min())
    )


def public_response_coverage(
    case_facts: pl.LazyFrame,
    public_responses: pl.LazyFrame,
    public_response_targets: pl.LazyFrame,
    *,
    as_of: datetime,
) -> pl.LazyFrame:
    """``marts.public_response_coverage``: one row per case needing a response, detected by as_of."""
    as_of_utc = utc_as_of(as_of)
    cases = cases_needing_response(case_facts.filter(pl.col("detected_at") <= as_of_utc))
    return (
        cases.join(
            first_responses(cases, public_responses, public_response_targets, as_of_utc), on=_CASE_KEY, how="left"
        )
        .with_columns(
            as_of=pl.lit(as_of_utc, dtype=UTC_US), time_to_response_h=hours_between("detected_at", "first_response_at")
        )
        .with_columns(covered_within_48h=(pl.col("time_to_response_h") <= RESPONSE_WINDOW_H).fill_null(False))
        .select([pl.col(name).cast(dtype) for name, dtype in PUBLIC_RESPONSE_COVERAGE_SCHEMA.items()])
    )
