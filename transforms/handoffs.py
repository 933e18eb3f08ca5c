"""One row per referral with its hand-off facts: acknowledgement latency, stalled, ping-pong.

Builds ``marts.handoffs`` (PRODUCT.md, "hand-off acknowledgement" and "hand-off ping-pong"). The
dashboard aggregates per (from, to) agency pair: median ``ack_latency_h``, share stalled, ping-pongs.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from transforms.case_facts import UTC_US, hours_between, utc_as_of

STALL_AFTER_H = 24.0
"""A hand-off not acknowledged within this many hours is stalled (the limit itself is still in time)."""

HANDOFFS_SCHEMA = pl.Schema(
    {
        "referral_id": pl.String(),
        "case_agency": pl.String(),
        "case_id": pl.String(),
        "from_agency": pl.String(),
        "to_agency": pl.String(),
        "category": pl.String(),
        "severity": pl.Int8(),
        "platform": pl.String(),
        "sent_at": UTC_US,
        "acknowledged_at": UTC_US,
        "ack_latency_h": pl.Float64(),
        "is_stalled": pl.Boolean(),
        "is_ping_pong": pl.Boolean(),
        "outcome": pl.String(),
        "as_of": UTC_US,
    }
)
"""Columns of ``marts.handoffs`` in DDL order (concord/warehouse.py)."""

_CASE_KEY = ["case_agency", "case_id"]


def sent_referrals(referrals: pl.LazyFrame, as_of: datetime) -> pl.LazyFrame:
    """Referrals sent by as_of, with an acknowledgement later than as_of blanked (not known yet)."""
    as_of_utc = utc_as_of(as_of)
    return referrals.filter(pl.col("sent_at") <= as_of_utc).with_columns(
        acknowledged_at=pl.when(pl.col("acknowledged_at") <= as_of_utc).then(pl.col("acknowledged_at"))
    )


def ping_pongs(referrals: pl.LazyFrame) -> pl.LazyFrame:
    """Per referral_id, whether its to_agency already held the case (``is_ping_pong``).

    An agency held the case before a referral when it is the case's own agency, or the from/to agency
    of an earlier referral of the same case (earlier by sent_at, ties by referral_id). Each referral
    gets a sequence number in that order; the case's own agency holds it from sequence -1.
    """
    ordered = referrals.sort("sent_at", "referral_id").with_row_index("seq").with_columns(pl.col("seq").cast(pl.Int64))
    holders = (
        pl.concat(
            [
                ordered.select(*_CASE_KEY, holder="case_agency", seq=pl.lit(-1, dtype=pl.Int64)),
                ordered.select(*_CASE_KEY, holder="from_agency", seq="seq"),
                ordered.select(*_CASE_KEY, holder="to_agency", seq="seq"),
            ]
        )
        .group_by(*_CASE_KEY, "holder")
        .agg(first_held_seq=pl.col("seq").min())
    )
    return ordered.join(holders, left_on=[*_CASE_KEY, "to_agency"], right_on=[*_CASE_KEY, "holder"], how="left").select(
        "referral_id", is_ping_pong=pl.col("first_held_seq") < pl.col("seq")
    )


def is_stalled(ack_latency_h: pl.Expr, waiting_h: pl.Expr, limit_h: float = STALL_AFTER_H) -> pl.Expr:
    """Acknowledged after more than limit_h, or still unacknowledged more than limit_h after sending."""
    return pl.when(ack_latency_h.is_not_null()).then(ack_latency_h > limit_h).otherwise(waiting_h > limit_h)


def handoffs(referrals: pl.LazyFrame, case_facts: pl.LazyFrame, *, as_of: datetime) -> pl.LazyFrame:
    """``marts.handoffs``: one row per referral sent by as_of, in the mart's column order and types."""
    as_of_utc = utc_as_of(as_of)
    sent = sent_referrals(referrals, as_of_utc)
    cases = case_facts.select("case_id", "category", "severity", "platform", case_agency="agency_code")
    return (
        sent.join(ping_pongs(sent), on="referral_id", how="left")
        .join(cases, on=_CASE_KEY, how="left")
        .with_columns(as_of=pl.lit(as_of_utc, dtype=UTC_US), ack_latency_h=hours_between("sent_at", "acknowledged_at"))
        .with_columns(
            is_stalled=is_stalled(pl.col("ack_latency_h"), hours_between("sent_at", "as_of")),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in HANDOFFS_SCHEMA.items()])
    )
