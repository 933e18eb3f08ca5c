"""Golden tests for marts.public_response_coverage: wide-reach misinformation answered within 48 hours.

Every expected value is computed by hand from the literal frames; times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.case_facts import UTC_US
from transforms.public_responses import PUBLIC_RESPONSE_COVERAGE_SCHEMA, public_response_coverage

T0 = datetime(2024, 3, 1, tzinfo=UTC)

FACT_SCHEMA = {
    "agency_code": pl.String(),
    "case_id": pl.String(),
    "url_key": pl.String(),
    "category": pl.String(),
    "severity": pl.Int8(),
    "platform": pl.String(),
    "reach": pl.Int64(),
    "detected_at": UTC_US,
}
RESPONSE_SCHEMA = {"response_id": pl.String(), "published_at": UTC_US}
TARGET_SCHEMA = {"response_id": pl.String(), "url_key": pl.String()}


def h(hours: float) -> datetime:
    """T0 plus a number of hours."""
    return T0 + timedelta(hours=hours)


def facts_frame(*rows: dict[str, object]) -> pl.LazyFrame:
    """The case_facts columns the coverage reads, with defaults for the ones a test does not care about."""
    defaults = {
        "agency_code": "A",
        "case_id": "1",
        "url_key": "fb.com/post/1",
        "category": "health_misinfo",
        "severity": 3,
        "platform": "facebook",
        "reach": 50_000,
        "detected_at": h(0),
    }
    return pl.LazyFrame([defaults | row for row in rows], schema=FACT_SCHEMA)


def responses(*rows: tuple[str, float, list[str]]) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Public responses as (response_id, published hours after T0, the url_keys it responds to)."""
    published = pl.LazyFrame([(rid, h(at)) for rid, at, _ in rows], schema=RESPONSE_SCHEMA, orient="row")
    targets = pl.LazyFrame([(rid, key) for rid, _, keys in rows for key in keys], schema=TARGET_SCHEMA, orient="row")
    return published, targets


def test_public_response_coverage_golden_rows() -> None:
    facts = facts_frame(
        # Answered by p1 after 47 h (and again by p2 later): covered.
        {"case_id": "1", "url_key": "fb.com/post/1", "detected_at": h(0)},
        # Another agency's case on another item, answered only after 49 h: not covered.
        {
            "agency_code": "B",
            "case_id": "7",
            "url_key": "tiktok.com/v/9",
            "category": "disaster_misinfo",
            "platform": "tiktok",
            "severity": 4,
            "reach": 10_000,
            "detected_at": h(1),
        },
        # Not misinformation: not in the mart at all.
        {"case_id": "2", "category": "scam_fraud", "url_key": "x.vn/scam"},
    )
    published, targets = responses(
        ("p1", 47, ["fb.com/post/1"]), ("p2", 60, ["fb.com/post/1", "x.vn/scam"]), ("p3", 50, ["tiktok.com/v/9"])
    )
    as_of = h(100)

    result = public_response_coverage(facts, published, targets, as_of=as_of).collect().sort("agency_code")

    expected = pl.DataFrame(
        {
            "agency_code": ["A", "B"],
            "case_id": ["1", "7"],
            "url_key": ["fb.com/post/1", "tiktok.com/v/9"],
            "category": ["health_misinfo", "disaster_misinfo"],
            "severity": [3, 4],
            "platform": ["facebook", "tiktok"],
            "reach": [50_000, 10_000],
            "detected_at": [h(0), h(1)],
            "first_response_at": [h(47), h(50)],
            "time_to_response_h": [47.0, 49.0],
            "covered_within_48h": [True, False],
            "as_of": [as_of, as_of],
        },
        schema=PUBLIC_RESPONSE_COVERAGE_SCHEMA,
    )
    assert_frame_equal(result, expected)


# One case detected at h(0) on fb.com/post/1 unless the row says otherwise; responses as in ``responses``;
# as_of h(200). Expected: None (not in the mart) or (time_to_response_h, covered_within_48h).
COVERAGE_CASES = [
    pytest.param({}, [("p", 47, ["fb.com/post/1"])], (47.0, True), id="response-at-47h"),
    pytest.param({}, [("p", 49, ["fb.com/post/1"])], (49.0, False), id="response-at-49h"),
    # The 48 h window is inclusive.
    pytest.param({}, [("p", 48, ["fb.com/post/1"])], (48.0, True), id="response-at-exactly-48h"),
    pytest.param({"reach": 10_000}, [("p", 1, ["fb.com/post/1"])], (1.0, True), id="reach-exactly-10000"),
    pytest.param({"reach": 9_999}, [("p", 1, ["fb.com/post/1"])], None, id="reach-9999-not-eligible"),
    # Unknown reach is not evidence of a wide reach.
    pytest.param({"reach": None}, [("p", 1, ["fb.com/post/1"])], None, id="reach-unknown-not-eligible"),
    pytest.param({"category": "disaster_misinfo"}, [], (None, False), id="disaster-misinfo-no-response"),
    pytest.param({"category": "impersonation", "reach": 10**6}, [], None, id="other-category-not-eligible"),
    # The earliest qualifying response counts, whatever the order of the rows.
    pytest.param(
        {}, [("p2", 30, ["fb.com/post/1"]), ("p1", 12, ["fb.com/post/1"])], (12.0, True), id="earliest-of-several"
    ),
    # A response published before the case was detected answers an earlier wave, not this case.
    pytest.param({}, [("p", -2, ["fb.com/post/1"])], (None, False), id="response-before-detection-ignored"),
    pytest.param(
        {}, [("p1", -2, ["fb.com/post/1"]), ("p2", 30, ["fb.com/post/1"])], (30.0, True), id="later-one-counts"
    ),
    # Published at the very instant of detection: 0 h.
    pytest.param({}, [("p", 0, ["fb.com/post/1"])], (0.0, True), id="response-at-detection"),
    pytest.param({}, [("p", 5, ["fb.com/post/2"])], (None, False), id="response-to-another-item"),
    # One response may answer several items.
    pytest.param({}, [("p", 5, ["fb.com/post/2", "fb.com/post/1"])], (5.0, True), id="response-with-several-targets"),
    # Published after as_of: not known as of as_of.
    pytest.param({}, [("p", 201, ["fb.com/post/1"])], (None, False), id="response-after-as-of"),
    pytest.param({"detected_at": h(201)}, [], None, id="case-detected-after-as-of"),
]


@pytest.mark.parametrize(("case", "rows", "expected"), COVERAGE_CASES)
def test_coverage(
    case: dict[str, object], rows: list[tuple[str, float, list[str]]], expected: tuple[float | None, bool] | None
) -> None:
    published, targets = responses(*rows)
    result = public_response_coverage(facts_frame(case), published, targets, as_of=h(200)).collect()
    if expected is None:
        assert result.height == 0
    else:
        assert result.select("time_to_response_h", "covered_within_48h").rows() == [expected]


def test_each_case_on_a_shared_item_is_judged_from_its_own_detection() -> None:
    # Two agencies saw the same item 40 h apart; one response at 45 h covers the first in 45 h, the second in 5 h.
    facts = facts_frame({"agency_code": "A", "detected_at": h(0)}, {"agency_code": "B", "detected_at": h(40)})
    published, targets = responses(("p", 45, ["fb.com/post/1"]))
    result = public_response_coverage(facts, published, targets, as_of=h(100)).collect().sort("agency_code")
    assert result.select("agency_code", "time_to_response_h").rows() == [("A", 45.0), ("B", 5.0)]


def test_no_cases_gives_an_empty_mart() -> None:
    published, targets = responses()
    result = public_response_coverage(facts_frame().clear(), published, targets, as_of=h(1)).collect()
    assert result.schema == PUBLIC_RESPONSE_COVERAGE_SCHEMA
    assert result.height == 0
