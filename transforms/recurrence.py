"""Items (url_key) that a platform enforced against and that came back in a later case.

Builds ``marts.recurrence`` (PRODUCT.md, "recurrence") from ``marts.case_facts``, whose ``actioned_at``
is already each case's earliest enforcement at or before as_of.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from transforms.case_facts import UTC_US, utc_as_of

RECURRENCE_SCHEMA = pl.Schema(
    {
        "url_key": pl.String(),
        "first_enforcement_at": UTC_US,
        "category": pl.String(),
        "recurrences": pl.Int64(),
        "last_seen_at": UTC_US,
        "as_of": UTC_US,
    }
)
"""Columns of ``marts.recurrence`` in DDL order (concord/warehouse.py)."""


def first_enforcement_per_item(case_facts: pl.LazyFrame) -> pl.LazyFrame:
    """Per url_key, the earliest enforcement across its cases and the category of that enforced case.

    Two cases enforced at the same instant: the smaller (agency_code, case_id) gives the category.
    """
    order = ["actioned_at", "agency_code", "case_id"]
    return (
        case_facts.filter(pl.col("actioned_at").is_not_null())
        .group_by("url_key")
        .agg(
            first_enforcement_at=pl.col("actioned_at").min(),
            category=pl.col("category").sort_by(order).first(),
        )
    )


def recurrence(case_facts: pl.LazyFrame, *, as_of: datetime) -> pl.LazyFrame:
    """``marts.recurrence``: one row per enforced url_key with at least one case detected after that enforcement."""
    as_of_utc = utc_as_of(as_of)
    known = case_facts.filter(pl.col("detected_at") <= as_of_utc)
    return (
        known.select("url_key", "detected_at")
        .join(first_enforcement_per_item(known), on="url_key")
        .filter(pl.col("detected_at") > pl.col("first_enforcement_at"))
        .group_by("url_key", "first_enforcement_at", "category")
        .agg(recurrences=pl.len(), last_seen_at=pl.col("detected_at").max())
        .with_columns(as_of=pl.lit(as_of_utc, dtype=UTC_US))
        .select([pl.col(name).cast(dtype) for name, dtype in RECURRENCE_SCHEMA.items()])
        .sort("url_key")
    )
