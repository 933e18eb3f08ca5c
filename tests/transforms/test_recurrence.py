"""Golden tests for marts.recurrence: enforced items (url_key) that came back in a later case.

Every expected value is computed by hand from the literal frames; times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.case_facts import UTC_US, case_facts
from transforms.recurrence import RECURRENCE_SCHEMA, recurrence

T0 = datetime(2024, 3, 1, tzinfo=UTC)
AS_OF = T0 + timedelta(days=30)

FACT_SCHEMA = {
    "agency_code": pl.String(),
    "case_id": pl.String(),
    "url_key": pl.String(),
    "category": pl.String(),
    "detected_at": UTC_US,
    "actioned_at": UTC_US,
}


def h(hours: float) -> datetime:
    """T0 plus a number of hours."""
    return T0 + timedelta(hours=hours)


def facts_frame(*rows: tuple[Any, ...]) -> pl.LazyFrame:
    """case_facts rows as (agency_code, case_id, url_key, category, detected hours, actioned hours or None)."""
    return pl.LazyFrame(
        [(a, c, u, cat, h(d), None if act is None else h(act)) for a, c, u, cat, d, act in rows],
        schema=FACT_SCHEMA,
        orient="row",
    )


def test_recurrence_golden_rows() -> None:
    facts = facts_frame(
        # u1: removed at 10 h, seen again at 20 h (another agency) and 300 h (the same agency).
        ("A", "1", "u1", "scam_fraud", 0, 10),
        ("B", "1", "u1", "phishing", 20, None),
        ("A", "2", "u1", "scam_fraud", 300, None),
        # u2: enforced, never seen again: no row.
        ("A", "3", "u2", "malware", 0, 5),
        # u3: seen twice, never enforced: no row.
        ("A", "4", "u3", "malware", 0, None),
        ("B", "4", "u3", "malware", 50, None),
    )

    result = recurrence(facts, as_of=AS_OF).collect()

    expected = pl.DataFrame(
        {
            "url_key": ["u1"],
            "first_enforcement_at": [h(10)],
            "category": ["scam_fraud"],  # of the enforced case, not of the recurrence
            "recurrences": [2],
            "last_seen_at": [h(300)],
            "as_of": [AS_OF],
        },
        schema=RECURRENCE_SCHEMA,
    )
    assert_frame_equal(result, expected)


# Cases on one url_key as (agency, case_id, category, detected h, actioned h or None);
# expected (first_enforcement h, category, recurrences, last_seen h) or None for no row.
RECURRENCE_CASES = [
    pytest.param([("A", "1", "phishing", 0, 10), ("B", "1", "phishing", 11, None)], (10, "phishing", 1, 11), id="back"),
    # Detected at the very instant of the enforcement: not *after* it.
    pytest.param([("A", "1", "phishing", 0, 10), ("B", "1", "phishing", 10, None)], None, id="detected-at-action"),
    # Detected between the first case and its enforcement: a duplicate, not a recurrence.
    pytest.param([("A", "1", "phishing", 0, 10), ("B", "1", "phishing", 5, None)], None, id="detected-before-action"),
    # The first enforcement across all cases of the item counts: B's at 10 h, though A's case came first
    # (and was enforced only at 50 h); C at 30 h is after it.
    pytest.param(
        [("A", "1", "phishing", 0, 50), ("B", "1", "malware", 5, 10), ("C", "1", "phishing", 30, None)],
        (10, "malware", 1, 30),
        id="earliest-enforcement-across-cases",
    ),
    # Two cases enforced at the same instant: the smaller (agency_code, case_id) gives the category.
    pytest.param(
        [("B", "1", "malware", 0, 10), ("A", "9", "phishing", 1, 10), ("C", "1", "other", 20, None)],
        (10, "phishing", 1, 20),
        id="tie-by-agency-code",
    ),
    # An enforced case detected again later by the same agency counts: it is the item that came back.
    pytest.param(
        [("A", "1", "phishing", 0, 10), ("A", "2", "phishing", 400, None)], (10, "phishing", 1, 400), id="same-agency"
    ),
]


@pytest.mark.parametrize(("cases", "expected"), RECURRENCE_CASES)
def test_recurrence(cases: list[tuple[Any, ...]], expected: tuple[Any, ...] | None) -> None:
    facts = facts_frame(*[(a, c, "u", cat, d, act) for a, c, cat, d, act in cases])
    result = recurrence(facts, as_of=AS_OF).collect()
    if expected is None:
        assert result.height == 0
    else:
        first_h, category, n, last_h = expected
        assert result.select("first_enforcement_at", "category", "recurrences", "last_seen_at").rows() == [
            (h(first_h), category, n, h(last_h))
        ]


CASE_SCHEMA = {
    "agency_code": pl.String(),
    "case_id": pl.String(),
    "detected_at": UTC_US,
    "url_key": pl.String(),
    "platform": pl.String(),
    "category": pl.String(),
    "severity": pl.Int8(),
    "reach": pl.Int64(),
    "status": pl.String(),
    "triaged_at": UTC_US,
    "closed_at": UTC_US,
}
ACTION_SCHEMA = {"case_agency": pl.String(), "case_id": pl.String(), "action": pl.String(), "responded_at": UTC_US}
NO_REFERRALS = pl.LazyFrame(
    schema={
        "case_agency": pl.String(),
        "case_id": pl.String(),
        "from_agency": pl.String(),
        "to_agency": pl.String(),
        "sent_at": UTC_US,
    }
)


@pytest.mark.parametrize(
    ("removed_h", "expected"),
    [
        pytest.param(10, 1, id="action-before-as-of"),
        # The removal is recorded for 60 h but as_of is 50 h: not known yet, so the later case is no recurrence.
        pytest.param(60, 0, id="action-after-as-of-ignored"),
    ],
)
def test_recurrence_from_staging_ignores_actions_after_as_of(removed_h: float, expected: int) -> None:
    cases = pl.LazyFrame(
        [
            ("A", "1", h(0), "u", "facebook", "scam_fraud", 4, None, "open", None, None),
            ("B", "1", h(40), "u", "facebook", "scam_fraud", 4, None, "open", None, None),
        ],
        schema=CASE_SCHEMA,
        orient="row",
    )
    actions = pl.LazyFrame([("A", "1", "removed", h(removed_h))], schema=ACTION_SCHEMA, orient="row")
    as_of = h(50)
    facts = case_facts(cases, actions, NO_REFERRALS, as_of=as_of, sla_hours={4: 4.0})

    result = recurrence(facts, as_of=as_of).collect()

    assert result["recurrences"].sum() == expected
