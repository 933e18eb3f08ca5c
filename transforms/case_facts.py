"""One row per case with its coordination facts: durations, SLA status, duplicates, hand-off count, outcome.

Builds ``marts.case_facts`` (PRODUCT.md, "Coordination metrics"). Every function is pure: LazyFrame
in, LazyFrame out, no I/O; ``transforms.build`` reads staging and writes the mart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import polars as pl

from concord import codes

UTC_US = pl.Datetime("us", "UTC")

ENFORCEMENT_ACTIONS: frozenset[str] = frozenset(codes.ENFORCEMENT_ACTIONS)
"""Platform answers that count as acting on the item; no_violation, no_response and pending do not."""

SLA_STATUSES = ("met", "breached", "pending")

CASE_OUTCOMES = ("actioned", "closed", "rejected", "open")
"""Values of ``marts.case_facts.outcome`` (the case-flow end states), in the order they take precedence."""

CASE_FACTS_SCHEMA = pl.Schema(
    {
        "agency_code": pl.String(),
        "case_id": pl.String(),
        "url_key": pl.String(),
        "platform": pl.String(),
        "category": pl.String(),
        "severity": pl.Int8(),
        "status": pl.String(),
        "detected_at": UTC_US,
        "closed_at": UTC_US,
        "actioned_at": UTC_US,
        "time_to_triage_h": pl.Float64(),
        "time_to_action_h": pl.Float64(),
        "time_to_close_h": pl.Float64(),
        "sla_target_h": pl.Float64(),
        "sla_status": pl.String(),
        "is_uncoordinated_duplicate": pl.Boolean(),
        "reach": pl.Int64(),
        "referrals": pl.Int64(),
        "outcome": pl.String(),
        "as_of": UTC_US,
    }
)
"""Columns of ``marts.case_facts`` in DDL order (concord/warehouse.py)."""

_CASE_KEY = ["agency_code", "case_id"]


def utc_as_of(as_of: datetime) -> datetime:
    """The as-of instant in UTC; a naive datetime is refused rather than guessed."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of must be timezone-aware, got naive {as_of!r}")
    return as_of.astimezone(UTC)


def hours_between(start: str, end: str) -> pl.Expr:
    """``end - start`` in hours as Float64 (null when either side is null)."""
    return (pl.col(end) - pl.col(start)).dt.total_hours(fractional=True).cast(pl.Float64)


def first_enforcement(platform_actions: pl.LazyFrame, as_of: datetime) -> pl.LazyFrame:
    """Per case key, the earliest enforcement ``responded_at`` at or before as_of, as ``actioned_at``."""
    return (
        platform_actions.filter(
            pl.col("action").is_in(sorted(ENFORCEMENT_ACTIONS)),
            pl.col("responded_at") <= utc_as_of(as_of),
        )
        .group_by(agency_code="case_agency", case_id="case_id")
        .agg(actioned_at=pl.col("responded_at").min())
    )


def referral_contacts(referrals: pl.LazyFrame, as_of: datetime) -> pl.LazyFrame:
    """Per case key, each agency a referral of that case was sent from or to by as_of (``contact_agency``)."""
    sent = referrals.filter(pl.col("sent_at") <= utc_as_of(as_of))
    return pl.concat(
        [
            sent.select(agency_code="case_agency", case_id="case_id", contact_agency=side)
            for side in ("from_agency", "to_agency")
        ]
    ).unique()


def referral_counts(referrals: pl.LazyFrame, as_of: datetime) -> pl.LazyFrame:
    """Per case key with a hand-off, the number of its referrals sent at or before as_of (``referrals``)."""
    return (
        referrals.filter(pl.col("sent_at") <= utc_as_of(as_of))
        .group_by(agency_code="case_agency", case_id="case_id")
        .agg(referrals=pl.len().cast(pl.Int64))
    )


def uncoordinated_duplicates(cases: pl.LazyFrame, contacts: pl.LazyFrame, window_h: float) -> pl.LazyFrame:
    """Per case key, whether an earlier case of another agency on its url_key, ≤ window_h before, is unlinked.

    "Earlier" orders by (detected_at, agency_code, case_id), so a tie in time goes to the smaller
    agency_code. A pair is linked when a referral of either case was sent from or to the other
    case's agency (``contacts`` from :func:`referral_contacts`). Pairs come from a self-join within
    each url_key, so cost grows with the square of a url_key's case count, not of the whole table.
    """
    keyed = cases.select("url_key", *_CASE_KEY, "detected_at")
    # Only url_keys seen by two or more agencies can hold a cross-agency pair.
    shared = keyed.group_by("url_key").agg(n_agencies=pl.col("agency_code").n_unique()).filter(pl.col("n_agencies") > 1)
    candidates = keyed.join(shared.select("url_key"), on="url_key", how="semi")
    earlier = candidates.select(
        "url_key",
        earlier_agency="agency_code",
        earlier_case_id="case_id",
        earlier_detected_at="detected_at",
    )
    pairs = candidates.join(earlier, on="url_key").filter(
        pl.col("earlier_agency") != pl.col("agency_code"),
        (pl.col("earlier_detected_at") < pl.col("detected_at"))
        | (
            (pl.col("earlier_detected_at") == pl.col("detected_at"))
            & (pl.col("earlier_agency") < pl.col("agency_code"))
        ),
        pl.col("detected_at") - pl.col("earlier_detected_at")
        <= pl.duration(microseconds=round(window_h * 3_600_000_000)),
    )
    # A referral of the later case naming the earlier agency, or of the earlier case naming the later one.
    linked_from_later = contacts.select(*_CASE_KEY, earlier_agency="contact_agency", linked_a=pl.lit(True))
    linked_from_earlier = contacts.select(
        earlier_agency="agency_code", earlier_case_id="case_id", agency_code="contact_agency", linked_b=pl.lit(True)
    )
    unlinked = (
        pairs.join(linked_from_later, on=[*_CASE_KEY, "earlier_agency"], how="left")
        .join(linked_from_earlier, on=["earlier_agency", "earlier_case_id", "agency_code"], how="left")
        .filter(pl.col("linked_a").is_null() & pl.col("linked_b").is_null())
        .select(_CASE_KEY)
        .unique()
        .with_columns(is_uncoordinated_duplicate=pl.lit(True))
    )
    return (
        cases.select(_CASE_KEY)
        .join(unlinked, on=_CASE_KEY, how="left")
        .with_columns(pl.col("is_uncoordinated_duplicate").fill_null(False))
    )


def sla_status(time_to_action_h: pl.Expr, age_h: pl.Expr, target_h: pl.Expr) -> pl.Expr:
    """met when actioned within target (inclusive), breached when later or unactioned past target, else pending."""
    return (
        pl.when(time_to_action_h.is_not_null())
        .then(pl.when(time_to_action_h <= target_h).then(pl.lit("met")).otherwise(pl.lit("breached")))
        .when(age_h > target_h)
        .then(pl.lit("breached"))
        .otherwise(pl.lit("pending"))
    )


def case_outcome(actioned_at: pl.Expr, status: pl.Expr, closed_at: pl.Expr, as_of: datetime) -> pl.Expr:
    """actioned when a platform enforced by as_of, else closed/rejected from the status, else open.

    A closed/rejected status whose closed_at lies after as_of had not happened yet as of as_of: open.
    """
    ended = status.is_in(["closed", "rejected"]) & (closed_at.is_null() | (closed_at <= utc_as_of(as_of)))
    return (
        pl.when(actioned_at.is_not_null()).then(pl.lit("actioned")).when(ended).then(status).otherwise(pl.lit("open"))
    )


def case_facts(
    cases: pl.LazyFrame,
    platform_actions: pl.LazyFrame,
    referrals: pl.LazyFrame,
    *,
    as_of: datetime,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
) -> pl.LazyFrame:
    """``marts.case_facts``: one row per case detected by as_of, in the mart's column order and types."""
    as_of_utc = utc_as_of(as_of)
    known = cases.filter(pl.col("detected_at") <= as_of_utc)
    duplicates = uncoordinated_duplicates(known, referral_contacts(referrals, as_of_utc), duplicate_window_h)
    return (
        known.join(first_enforcement(platform_actions, as_of_utc), on=_CASE_KEY, how="left")
        .join(duplicates, on=_CASE_KEY, how="left")
        .join(referral_counts(referrals, as_of_utc), on=_CASE_KEY, how="left")
        .with_columns(
            pl.col("referrals").fill_null(0),
            outcome=case_outcome(pl.col("actioned_at"), pl.col("status"), pl.col("closed_at"), as_of_utc),
            as_of=pl.lit(as_of_utc, dtype=UTC_US),
            time_to_triage_h=hours_between("detected_at", "triaged_at"),
            time_to_action_h=hours_between("detected_at", "actioned_at"),
            time_to_close_h=hours_between("detected_at", "closed_at"),
            # replace_strict fails loudly on a severity without a configured target.
            sla_target_h=pl.col("severity").replace_strict(dict(sla_hours), return_dtype=pl.Float64),
        )
        .with_columns(
            sla_status=sla_status(
                pl.col("time_to_action_h"), hours_between("detected_at", "as_of"), pl.col("sla_target_h")
            ),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in CASE_FACTS_SCHEMA.items()])
    )
