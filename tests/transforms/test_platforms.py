"""Golden tests for marts.platform_requests: response time, enforcement, what counts for the rate.

Every expected value is computed by hand from the literal frames; times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.case_facts import UTC_US
from transforms.platforms import PLATFORM_REQUESTS_SCHEMA, platform_requests

T0 = datetime(2024, 3, 1, tzinfo=UTC)

ACTION_SCHEMA = {
    "request_id": pl.String(),
    "case_agency": pl.String(),
    "case_id": pl.String(),
    "platform": pl.String(),
    "requested_at": UTC_US,
    "responded_at": UTC_US,
    "action": pl.String(),
}
FACTS = pl.LazyFrame(
    [("A", "1", "phishing", 4)],
    schema={"agency_code": pl.String(), "case_id": pl.String(), "category": pl.String(), "severity": pl.Int8()},
    orient="row",
)


def h(hours: float) -> datetime:
    """T0 plus a number of hours."""
    return T0 + timedelta(hours=hours)


def actions_frame(*rows: dict[str, object]) -> pl.LazyFrame:
    """Staging platform actions with defaults for the columns a test does not care about."""
    defaults = {"case_agency": "A", "case_id": "1", "platform": "facebook", "requested_at": h(0), "responded_at": None}
    return pl.LazyFrame([defaults | row for row in rows], schema=ACTION_SCHEMA)


def test_platform_requests_golden_rows() -> None:
    actions = actions_frame(
        {"request_id": "q1", "action": "removed", "responded_at": h(5)},
        {"request_id": "q2", "action": "no_violation", "responded_at": h(2.5), "platform": "website"},
        # The request names a case concord does not know: kept, with NULL case dimensions.
        {"request_id": "q3", "case_id": "404", "action": "pending"},
    )
    as_of = h(10)

    result = platform_requests(actions, FACTS, as_of=as_of).collect().sort("request_id")

    expected = pl.DataFrame(
        {
            "request_id": ["q1", "q2", "q3"],
            "case_agency": ["A", "A", "A"],
            "case_id": ["1", "1", "404"],
            "platform": ["facebook", "website", "facebook"],
            "category": ["phishing", "phishing", None],
            "severity": [4, 4, None],
            "requested_at": [h(0)] * 3,
            "responded_at": [h(5), h(2.5), None],
            "response_h": [5.0, 2.5, None],
            "action": ["removed", "no_violation", "pending"],
            "is_enforcement": [True, False, False],
            "counts_for_rate": [True, True, False],
            "as_of": [as_of] * 3,
        },
        schema=PLATFORM_REQUESTS_SCHEMA,
    )
    assert_frame_equal(result, expected)


# One request made at h(0), as_of h(100) unless given:
# (action, responded hours, as_of hours) -> (action, response_h, is_enforcement, counts_for_rate).
REQUEST_CASES = [
    pytest.param("removed", 5, 100, ("removed", 5.0, True, True), id="removed"),
    pytest.param("restricted", 1, 100, ("restricted", 1.0, True, True), id="restricted"),
    pytest.param("geo_blocked", 2, 100, ("geo_blocked", 2.0, True, True), id="geo-blocked"),
    pytest.param("labelled", 3, 100, ("labelled", 3.0, True, True), id="labelled"),
    # An answer that finds nothing to enforce still counts in the rate's denominator.
    pytest.param("no_violation", 4, 100, ("no_violation", 4.0, False, True), id="no-violation"),
    # No answer at all: counts in the denominator (the platform failed to act), but has no response time.
    pytest.param("no_response", None, 100, ("no_response", None, False, True), id="no-response"),
    # A recorded give-up time on no_response is the agency's, not a platform answer: no response time.
    pytest.param("no_response", 336, 400, ("no_response", None, False, True), id="no-response-with-timestamp"),
    pytest.param("pending", None, 100, ("pending", None, False, False), id="pending"),
    # Answered after as_of: as of as_of the request is still pending, whatever the answer was.
    pytest.param("removed", 30, 20, ("pending", None, False, False), id="removed-after-as-of"),
    pytest.param("no_response", 30, 20, ("pending", None, False, False), id="no-response-after-as-of"),
    # Answered exactly at as_of is known.
    pytest.param("removed", 20, 20, ("removed", 20.0, True, True), id="removed-at-as-of"),
]


@pytest.mark.parametrize(("action", "responded_h", "as_of_h", "expected"), REQUEST_CASES)
def test_response_enforcement_and_rate(
    action: str, responded_h: float | None, as_of_h: float, expected: tuple[object, ...]
) -> None:
    responded = None if responded_h is None else h(responded_h)
    actions = actions_frame({"request_id": "q1", "action": action, "responded_at": responded})
    result = platform_requests(actions, FACTS, as_of=h(as_of_h)).collect()
    assert result.select("action", "response_h", "is_enforcement", "counts_for_rate").row(0) == expected


def test_requests_made_after_as_of_are_excluded() -> None:
    actions = actions_frame(
        {"request_id": "q1", "action": "pending", "requested_at": h(10)},  # exactly at as_of: kept
        {"request_id": "q2", "action": "pending", "requested_at": h(10.5)},
    )
    result = platform_requests(actions, FACTS, as_of=h(10)).collect()
    assert result["request_id"].to_list() == ["q1"]


def test_enforcement_rate_per_platform_from_the_mart_columns() -> None:
    # facebook: 2 enforced of 4 that count (pending excluded) = 0.5; zalo: 0 of 1 (no_response) = 0.0.
    actions = actions_frame(
        {"request_id": "f1", "action": "removed", "responded_at": h(1)},
        {"request_id": "f2", "action": "labelled", "responded_at": h(2)},
        {"request_id": "f3", "action": "no_violation", "responded_at": h(3)},
        {"request_id": "f4", "action": "no_response"},
        {"request_id": "f5", "action": "pending"},
        # Removed, but after as_of: pending as of as_of, so not in the rate either.
        {"request_id": "f6", "action": "removed", "responded_at": h(50)},
        {"request_id": "z1", "action": "no_response", "platform": "zalo"},
    )
    mart = platform_requests(actions, FACTS, as_of=h(10)).collect()

    rates = (
        mart.group_by("platform")
        .agg(rate=pl.col("is_enforcement").sum() / pl.col("counts_for_rate").sum())
        .sort("platform")
    )

    assert rates.rows() == [("facebook", 0.5), ("zalo", 0.0)]
