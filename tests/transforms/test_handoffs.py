"""Golden tests for marts.handoffs: acknowledgement latency, stalled hand-offs, ping-pong.

Every expected value is computed by hand from the literal frames; times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.case_facts import UTC_US
from transforms.handoffs import HANDOFFS_SCHEMA, handoffs, ping_pongs

T0 = datetime(2024, 3, 1, tzinfo=UTC)

REFERRAL_SCHEMA = {
    "referral_id": pl.String(),
    "case_agency": pl.String(),
    "case_id": pl.String(),
    "from_agency": pl.String(),
    "to_agency": pl.String(),
    "sent_at": UTC_US,
    "acknowledged_at": UTC_US,
    "outcome": pl.String(),
}
FACT_SCHEMA = {
    "agency_code": pl.String(),
    "case_id": pl.String(),
    "category": pl.String(),
    "severity": pl.Int8(),
    "platform": pl.String(),
}


def h(hours: float) -> datetime:
    """T0 plus a number of hours."""
    return T0 + timedelta(hours=hours)


def referrals_frame(*rows: dict[str, object]) -> pl.LazyFrame:
    """Staging referrals with defaults for the columns a test does not care about."""
    defaults = {
        "case_agency": "A",
        "case_id": "1",
        "from_agency": "A",
        "to_agency": "B",
        "sent_at": h(0),
        "acknowledged_at": None,
        "outcome": None,
    }
    return pl.LazyFrame([defaults | row for row in rows], schema=REFERRAL_SCHEMA)


FACTS = pl.LazyFrame([("A", "1", "scam_fraud", 3, "zalo")], schema=FACT_SCHEMA, orient="row")


def test_handoffs_golden_rows() -> None:
    referrals = referrals_frame(
        # Acknowledged after 1.5 h, accepted.
        {"referral_id": "r1", "acknowledged_at": h(1.5), "outcome": "accepted"},
        # Sent back to the case's own agency 30 h before as_of and never acknowledged: ping-pong, stalled.
        {"referral_id": "r2", "from_agency": "B", "to_agency": "A", "sent_at": h(2)},
        # A case concord does not know (not in case_facts): kept, with NULL case dimensions.
        {"referral_id": "r3", "case_agency": "X", "case_id": "9", "from_agency": "X", "to_agency": "B"},
    )
    as_of = h(32)

    result = handoffs(referrals, FACTS, as_of=as_of).collect().sort("referral_id")

    expected = pl.DataFrame(
        {
            "referral_id": ["r1", "r2", "r3"],
            "case_agency": ["A", "A", "X"],
            "case_id": ["1", "1", "9"],
            "from_agency": ["A", "B", "X"],
            "to_agency": ["B", "A", "B"],
            "category": ["scam_fraud", "scam_fraud", None],
            "severity": [3, 3, None],
            "platform": ["zalo", "zalo", None],
            "sent_at": [h(0), h(2), h(0)],
            "acknowledged_at": [h(1.5), None, None],
            "ack_latency_h": [1.5, None, None],
            "is_stalled": [False, True, True],
            "is_ping_pong": [False, True, False],
            "outcome": ["accepted", None, None],
            "as_of": [as_of] * 3,
        },
        schema=HANDOFFS_SCHEMA,
    )
    assert_frame_equal(result, expected)


def test_handoffs_match_the_mart_schema_even_when_empty() -> None:
    result = handoffs(referrals_frame(), FACTS, as_of=h(1)).filter(pl.lit(False)).collect()
    assert result.schema == HANDOFFS_SCHEMA


def test_referrals_sent_after_as_of_are_excluded() -> None:
    referrals = referrals_frame({"referral_id": "r1", "sent_at": h(10)}, {"referral_id": "r2", "sent_at": h(10.5)})
    result = handoffs(referrals, FACTS, as_of=h(10)).collect()  # sent exactly at as_of: kept
    assert result["referral_id"].to_list() == ["r1"]


# One referral sent at h(0): (acknowledged_at, as_of) -> (acknowledged_at in the mart, ack_latency_h, is_stalled).
ACKNOWLEDGEMENT_CASES = [
    pytest.param(h(2), h(100), h(2), 2.0, False, id="acknowledged-after-2h"),
    # The 24 h limit is inclusive: acknowledged exactly at 24 h is in time.
    pytest.param(h(24), h(100), h(24), 24.0, False, id="acknowledged-exactly-24h"),
    pytest.param(h(24) + timedelta(seconds=36), h(100), h(24) + timedelta(seconds=36), 24.01, True, id="ack-24h-36s"),
    # Never acknowledged: stalled only once more than 24 h have passed by as_of.
    pytest.param(None, h(10), None, None, False, id="never-acknowledged-sent-10h-ago"),
    pytest.param(None, h(24), None, None, False, id="never-acknowledged-sent-exactly-24h-ago"),
    pytest.param(None, h(25), None, None, True, id="never-acknowledged-sent-25h-ago"),
    # Acknowledged after as_of: not known as of as_of, so blanked and judged as unacknowledged.
    pytest.param(h(30), h(20), None, None, False, id="acknowledged-after-as-of-within-24h"),
    pytest.param(h(30), h(26), None, None, True, id="acknowledged-after-as-of-past-24h"),
    # Acknowledged exactly at as_of is known.
    pytest.param(h(26), h(26), h(26), 26.0, True, id="acknowledged-at-as-of-late"),
]


@pytest.mark.parametrize(("acknowledged_at", "as_of", "known_ack", "latency_h", "stalled"), ACKNOWLEDGEMENT_CASES)
def test_acknowledgement_and_stalled(
    acknowledged_at: datetime | None,
    as_of: datetime,
    known_ack: datetime | None,
    latency_h: float | None,
    stalled: bool,
) -> None:
    referrals = referrals_frame({"referral_id": "r1", "acknowledged_at": acknowledged_at})
    result = handoffs(referrals, FACTS, as_of=as_of).collect()
    row = result.select("acknowledged_at", "ack_latency_h", "is_stalled").row(0)
    assert row[0] == known_ack
    assert row[1] == pytest.approx(latency_h)
    assert row[2] is stalled


# Referrals of case (A, 1) as (referral_id, from, to, sent hours after T0); the expected ping-pong ids.
PING_PONG_CASES = [
    # Back to the first holder, the case's own agency.
    pytest.param([("r1", "A", "B", 1), ("r2", "B", "A", 2)], {"r2"}, id="back-to-case-agency"),
    # Passed on along a chain of new agencies: never ping-pong.
    pytest.param(
        [("r1", "A", "B", 1), ("r2", "B", "C", 2), ("r3", "C", "D", 3)], set(), id="passed-on-to-new-agencies"
    ),
    # Back to an intermediate holder, which held it as the to_agency of an earlier referral.
    pytest.param(
        [("r1", "A", "B", 1), ("r2", "B", "C", 2), ("r3", "C", "B", 3)], {"r3"}, id="back-to-earlier-receiver"
    ),
    # C held it as the *sender* of an earlier referral (the case was with C without a recorded hand-off).
    pytest.param([("r1", "C", "B", 1), ("r2", "B", "C", 2)], {"r2"}, id="back-to-earlier-sender"),
    # Earlier is by sent_at, not by the order of the rows (or of the ids).
    pytest.param([("r9", "B", "A", 2), ("r1", "A", "B", 1)], {"r9"}, id="rows-out-of-order"),
    pytest.param([("r2", "A", "B", 1), ("r1", "B", "C", 2)], set(), id="ids-out-of-order"),
    # Sent at the same instant: the smaller referral_id is earlier. "x1" C->B comes first, so "x2" B->C
    # goes to C, which already sent "x1": ping-pong; "x1" itself goes to B, which had not held it.
    pytest.param([("x1", "C", "B", 1), ("x2", "B", "C", 1)], {"x2"}, id="tie-by-referral-id"),
    pytest.param([("x2", "C", "B", 1), ("x1", "B", "C", 1)], {"x2"}, id="tie-by-referral-id-swapped"),
    # A first referral that names the case's own agency as receiver returns it to its first holder.
    pytest.param([("r1", "B", "A", 1)], {"r1"}, id="first-referral-to-case-agency"),
    # The same agency receiving twice: the second time it already held the case.
    pytest.param([("r1", "A", "B", 1), ("r2", "A", "B", 2)], {"r2"}, id="sent-twice-to-same-agency"),
]


@pytest.mark.parametrize(("rows", "expected"), PING_PONG_CASES)
def test_ping_pong(rows: list[tuple[str, str, str, float]], expected: set[str]) -> None:
    referrals = referrals_frame(
        *[{"referral_id": rid, "from_agency": f, "to_agency": t, "sent_at": h(at)} for rid, f, t, at in rows]
    )
    result = ping_pongs(referrals).collect()
    assert set(result.filter("is_ping_pong")["referral_id"]) == expected
    assert result.height == len(rows)


def test_ping_pong_is_per_case_key() -> None:
    referrals = referrals_frame(
        # Case (A, 1) went to B; ...
        {"referral_id": "r1", "from_agency": "A", "to_agency": "B", "sent_at": h(1)},
        # ... case (A, 2) goes A -> C -> B: B held (A, 1), not (A, 2).
        {"referral_id": "r2", "case_id": "2", "from_agency": "A", "to_agency": "C", "sent_at": h(2)},
        {"referral_id": "r3", "case_id": "2", "from_agency": "C", "to_agency": "B", "sent_at": h(3)},
        # Case (B, 1) shares the case_id "1" with (A, 1) but is another case: B is its own agency.
        {"referral_id": "r4", "case_agency": "B", "from_agency": "B", "to_agency": "A", "sent_at": h(4)},
    )
    result = ping_pongs(referrals).collect()
    assert result.filter("is_ping_pong").height == 0
