"""Golden tests for marts.case_facts: durations, first enforcement, SLA status, uncoordinated duplicates.

Every expected value is computed by hand from the literal frames; times are UTC.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from transforms.case_facts import (
    CASE_FACTS_SCHEMA,
    UTC_US,
    case_facts,
    first_enforcement,
    referral_contacts,
    uncoordinated_duplicates,
)

SLA_HOURS = {4: 4.0, 3: 24.0, 2: 72.0, 1: 168.0}
T0 = datetime(2024, 3, 1, tzinfo=UTC)
AS_OF = datetime(2024, 4, 1, tzinfo=UTC)

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
REFERRAL_SCHEMA = {
    "case_agency": pl.String(),
    "case_id": pl.String(),
    "from_agency": pl.String(),
    "to_agency": pl.String(),
    "sent_at": UTC_US,
}


def h(hours: float) -> datetime:
    """T0 plus a number of hours."""
    return T0 + timedelta(hours=hours)


def cases_frame(*rows: dict[str, object]) -> pl.LazyFrame:
    """Staging cases with defaults for every column a test does not care about."""
    defaults = {
        "url_key": "example.com/scam",
        "platform": "facebook",
        "category": "scam_fraud",
        "severity": 4,
        "reach": None,
        "status": "open",
        "triaged_at": None,
        "closed_at": None,
    }
    return pl.LazyFrame([defaults | row for row in rows], schema=CASE_SCHEMA)


def actions_frame(*rows: tuple[str, str, str, datetime | None]) -> pl.LazyFrame:
    """Platform actions as (case_agency, case_id, action, responded_at)."""
    return pl.LazyFrame(rows, schema=ACTION_SCHEMA, orient="row")


def referrals_frame(*rows: tuple[str, str, str, str, datetime]) -> pl.LazyFrame:
    """Referrals as (case_agency, case_id, from_agency, to_agency, sent_at)."""
    return pl.LazyFrame(rows, schema=REFERRAL_SCHEMA, orient="row")


NO_ACTIONS = actions_frame()
NO_REFERRALS = referrals_frame()


def test_case_facts_golden_rows() -> None:
    cases = cases_frame(
        # Triaged after 1.5 h, removed after 3 h (within the 4 h critical target), closed after 54 h.
        {
            "agency_code": "CA",
            "case_id": "1",
            "detected_at": h(0),
            "triaged_at": h(1.5),
            "closed_at": h(54),
            "reach": 12_000,
            "status": "closed",
        },
        # Medium severity, never actioned, 100 h old at as_of > 72 h target: breached.
        {"agency_code": "CB", "case_id": "7", "detected_at": h(0), "severity": 2, "url_key": "other.vn/x"},
    )
    actions = actions_frame(("CA", "1", "removed", h(3)))
    # CA/1 was handed off twice by as_of; the third referral is sent after as_of and not counted yet.
    referrals = referrals_frame(
        ("CA", "1", "CA", "CB", h(1)), ("CA", "1", "CB", "CC", h(2)), ("CA", "1", "CC", "CA", h(101))
    )
    as_of = h(100)

    result = case_facts(cases, actions, referrals, as_of=as_of, sla_hours=SLA_HOURS).collect().sort("agency_code")

    expected = pl.DataFrame(
        {
            "agency_code": ["CA", "CB"],
            "case_id": ["1", "7"],
            "url_key": ["example.com/scam", "other.vn/x"],
            "platform": ["facebook", "facebook"],
            "category": ["scam_fraud", "scam_fraud"],
            "severity": [4, 2],
            "status": ["closed", "open"],
            "detected_at": [h(0), h(0)],
            "closed_at": [h(54), None],
            "actioned_at": [h(3), None],
            "time_to_triage_h": [1.5, None],
            "time_to_action_h": [3.0, None],
            "time_to_close_h": [54.0, None],
            "sla_target_h": [4.0, 72.0],
            "sla_status": ["met", "breached"],
            "is_uncoordinated_duplicate": [False, False],
            "reach": [12_000, None],
            "referrals": [2, 0],
            # Actioned wins over the closed status; an unactioned open case is open.
            "outcome": ["actioned", "open"],
            "as_of": [as_of, as_of],
        },
        schema=CASE_FACTS_SCHEMA,
    )
    assert_frame_equal(result, expected)


def test_case_facts_matches_the_mart_schema_even_when_empty() -> None:
    result = case_facts(cases_frame(), NO_ACTIONS, NO_REFERRALS, as_of=AS_OF, sla_hours=SLA_HOURS).collect()
    assert result.schema == CASE_FACTS_SCHEMA
    assert result.height == 0


def test_cases_detected_after_as_of_are_excluded() -> None:
    cases = cases_frame(
        {"agency_code": "CA", "case_id": "1", "detected_at": h(10)},  # exactly at as_of: kept
        {"agency_code": "CA", "case_id": "2", "detected_at": h(10.001)},
    )
    result = case_facts(cases, NO_ACTIONS, NO_REFERRALS, as_of=h(10), sla_hours=SLA_HOURS).collect()
    assert result["case_id"].to_list() == ["1"]


def test_as_of_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        case_facts(cases_frame(), NO_ACTIONS, NO_REFERRALS, as_of=datetime(2024, 1, 1), sla_hours=SLA_HOURS)


def test_as_of_in_another_zone_is_stored_as_utc() -> None:
    cases = cases_frame({"agency_code": "CA", "case_id": "1", "detected_at": h(0)})
    as_of = h(2).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))  # 09:00+07:00, the same instant as 02:00 UTC
    result = case_facts(cases, NO_ACTIONS, NO_REFERRALS, as_of=as_of, sla_hours=SLA_HOURS).collect()
    assert result["as_of"].to_list() == [h(2)]


@pytest.mark.parametrize(
    ("actions", "as_of", "actioned_at", "sla_status"),
    [
        pytest.param([("removed", h(3))], h(10), h(3), "met", id="actioned-within-target"),
        # The target is inclusive: 4.0 h to action on a 4 h target is met.
        pytest.param([("removed", h(4))], h(10), h(4), "met", id="actioned-exactly-at-target"),
        pytest.param(
            [("removed", h(4) + timedelta(seconds=1))],
            h(10),
            h(4) + timedelta(seconds=1),
            "breached",
            id="actioned-1s-late",
        ),
        # Not actioned and exactly 4 h old is not yet *older* than the target.
        pytest.param([], h(4), None, "pending", id="unactioned-at-target"),
        pytest.param([], h(4) + timedelta(seconds=1), None, "breached", id="unactioned-past-target"),
        # A response after as_of has not happened yet as of as_of.
        pytest.param([("removed", h(3))], h(2), None, "pending", id="action-after-as-of-within-target"),
        pytest.param([("removed", h(9))], h(6), None, "breached", id="action-after-as-of-past-target"),
        # no_violation / no_response / pending are answers, not enforcement.
        pytest.param(
            [("no_violation", h(1)), ("no_response", h(2))], h(10), None, "breached", id="non-enforcement-only"
        ),
        pytest.param([("pending", None)], h(1), None, "pending", id="unanswered-request"),
        # The earliest enforcement counts, whatever the order or the other answers around it.
        pytest.param(
            [("labelled", h(5)), ("no_violation", h(1)), ("restricted", h(3.5)), ("geo_blocked", h(3.75))],
            h(10),
            h(3.5),
            "met",
            id="earliest-of-several-enforcements",
        ),
        pytest.param(
            [("removed", h(8)), ("labelled", h(12))], h(10), h(8), "breached", id="earliest-late-one-after-as-of"
        ),
    ],
)
def test_first_enforcement_and_sla_status(
    actions: list[tuple[str, datetime | None]], as_of: datetime, actioned_at: datetime | None, sla_status: str
) -> None:
    cases = cases_frame({"agency_code": "CA", "case_id": "1", "detected_at": h(0), "severity": 4})
    frame = actions_frame(*[("CA", "1", action, at) for action, at in actions])

    result = case_facts(cases, frame, NO_REFERRALS, as_of=as_of, sla_hours=SLA_HOURS).collect()

    expected_h = None if actioned_at is None else (actioned_at - h(0)) / timedelta(hours=1)
    assert result.select("actioned_at", "time_to_action_h", "sla_status").row(0) == (
        actioned_at,
        expected_h,
        sla_status,
    )


@pytest.mark.parametrize(
    ("severity", "hours_to_action", "age_h", "expected"),
    [
        (3, 24.0, 30.0, "met"),
        (3, 24.5, 30.0, "breached"),
        (2, None, 72.0, "pending"),
        (2, None, 72.5, "breached"),
        (1, 167.0, 200.0, "met"),
        (1, None, 100.0, "pending"),
    ],
)
def test_sla_target_follows_severity(severity: int, hours_to_action: float | None, age_h: float, expected: str) -> None:
    cases = cases_frame({"agency_code": "CA", "case_id": "1", "detected_at": h(0), "severity": severity})
    actions = actions_frame(*([] if hours_to_action is None else [("CA", "1", "removed", h(hours_to_action))]))
    result = case_facts(cases, actions, NO_REFERRALS, as_of=h(age_h), sla_hours=SLA_HOURS).collect()
    assert result.select("sla_target_h", "sla_status").row(0) == (SLA_HOURS[severity], expected)


def test_severity_without_a_target_fails_loudly() -> None:
    cases = cases_frame({"agency_code": "CA", "case_id": "1", "detected_at": h(0), "severity": 4})
    with pytest.raises(pl.exceptions.InvalidOperationError):
        case_facts(cases, NO_ACTIONS, NO_REFERRALS, as_of=AS_OF, sla_hours={1: 168.0}).collect()


def test_first_enforcement_joins_on_agency_and_case_id() -> None:
    # Case ids are unique per agency only: CB's "1" is a different case from CA's "1".
    actions = actions_frame(
        ("CA", "1", "removed", h(5)), ("CB", "1", "labelled", h(2)), ("CA", "1", "restricted", h(3))
    )
    result = first_enforcement(actions, AS_OF).collect().sort("agency_code")
    expected = pl.DataFrame(
        {"agency_code": ["CA", "CB"], "case_id": ["1", "1"], "actioned_at": [h(3), h(2)]},
        schema={"agency_code": pl.String(), "case_id": pl.String(), "actioned_at": UTC_US},
    )
    assert_frame_equal(result, expected)


@pytest.mark.parametrize(
    ("status", "actions", "expected"),
    [
        # Cases are closed at h(5) when the status says closed or rejected; as_of is h(10).
        pytest.param("closed", [("removed", h(3))], "actioned", id="actioned-beats-closed"),
        pytest.param("rejected", [("labelled", h(3))], "actioned", id="actioned-beats-rejected"),
        pytest.param("closed", [], "closed", id="closed"),
        pytest.param("rejected", [("no_violation", h(3))], "rejected", id="rejected-after-no-violation"),
        # Every other status (open, triaged, referred, even "actioned" without an enforcement by as_of) is open.
        pytest.param("open", [], "open", id="open"),
        pytest.param("triaged", [], "open", id="triaged"),
        pytest.param("referred", [], "open", id="referred"),
        pytest.param("actioned", [], "open", id="status-actioned-without-enforcement"),
        # The enforcement comes after as_of (h(10)): not actioned yet.
        pytest.param("referred", [("removed", h(12))], "open", id="enforcement-after-as-of"),
    ],
)
def test_case_outcome(status: str, actions: list[tuple[str, datetime]], expected: str) -> None:
    closed_at = h(5) if status in ("closed", "rejected") else None
    cases = cases_frame(
        {"agency_code": "CA", "case_id": "1", "detected_at": h(0), "status": status, "closed_at": closed_at}
    )
    frame = actions_frame(*[("CA", "1", action, at) for action, at in actions])
    result = case_facts(cases, frame, NO_REFERRALS, as_of=h(10), sla_hours=SLA_HOURS).collect()
    assert result["outcome"].to_list() == [expected]


@pytest.mark.parametrize(
    ("status", "closed_at", "expected"),
    [
        pytest.param("closed", h(10), "closed", id="closed-at-as-of"),
        # Staging holds the latest status; a closure recorded after as_of had not happened as of as_of.
        pytest.param("closed", h(11), "open", id="closed-after-as-of"),
        pytest.param("rejected", h(11), "open", id="rejected-after-as-of"),
        # A rejection without a closing time is taken at its word.
        pytest.param("rejected", None, "rejected", id="rejected-without-closed-at"),
    ],
)
def test_case_outcome_as_of(status: str, closed_at: datetime | None, expected: str) -> None:
    cases = cases_frame(
        {"agency_code": "CA", "case_id": "1", "detected_at": h(0), "status": status, "closed_at": closed_at}
    )
    result = case_facts(cases, NO_ACTIONS, NO_REFERRALS, as_of=h(10), sla_hours=SLA_HOURS).collect()
    assert result["outcome"].to_list() == [expected]


def test_referral_counts_join_on_agency_and_case_id() -> None:
    cases = cases_frame(
        {"agency_code": "CA", "case_id": "1", "detected_at": h(0)},
        {"agency_code": "CB", "case_id": "1", "detected_at": h(0)},
    )
    # Case ids are unique per agency only; a referral sent exactly at as_of counts.
    referrals = referrals_frame(("CA", "1", "CA", "CB", h(1)), ("CA", "1", "CB", "CA", h(10)))
    result = case_facts(cases, NO_ACTIONS, referrals, as_of=h(10), sla_hours=SLA_HOURS).collect()
    assert sorted(result.select("agency_code", "referrals").rows()) == [("CA", 2), ("CB", 0)]


# Each scenario: cases as (agency_code, case_id, hours after T0[, url_key]); referrals as
# (case_agency, case_id, from_agency, to_agency[, sent hours after T0]); the expected duplicates.
DUPLICATE_CASES = [
    pytest.param([("A", "1", 0), ("B", "1", 6 * 24)], [], {("B", "1")}, id="6-days-apart"),
    pytest.param([("A", "1", 0), ("B", "1", 8 * 24)], [], set(), id="8-days-apart"),
    # The window is inclusive: exactly 168 h before still counts.
    pytest.param([("A", "1", 0), ("B", "1", 168)], [], {("B", "1")}, id="exactly-168h"),
    pytest.param([("A", "1", 0), ("B", "1", 168.001)], [], set(), id="just-past-168h"),
    pytest.param([("A", "1", 0), ("A", "2", 24)], [], set(), id="same-agency"),
    pytest.param([("A", "1", 0), ("B", "1", 24, "example.com/other")], [], set(), id="different-url-key"),
    # Detected in the same microsecond: the smaller agency_code is the earlier case.
    pytest.param([("B", "1", 0), ("A", "9", 0)], [], {("B", "1")}, id="same-time-tie-by-agency-code"),
    # Linking referrals, from either case and through either end of the referral.
    pytest.param(
        [("A", "1", 0), ("B", "1", 24)], [("B", "1", "B", "A")], set(), id="later-case-referred-to-earlier-agency"
    ),
    pytest.param(
        [("A", "1", 0), ("B", "1", 24)], [("B", "1", "A", "B")], set(), id="later-case-referred-from-earlier-agency"
    ),
    pytest.param(
        [("A", "1", 0), ("B", "1", 24)], [("A", "1", "A", "B")], set(), id="earlier-case-referred-to-later-agency"
    ),
    pytest.param(
        [("A", "1", 0), ("B", "1", 24)], [("A", "1", "B", "A")], set(), id="earlier-case-referred-from-later-agency"
    ),
    # A referral that does not name the other case's agency, or belongs to another case, links nothing.
    pytest.param([("A", "1", 0), ("B", "1", 24)], [("B", "1", "B", "C")], {("B", "1")}, id="referral-to-third-agency"),
    pytest.param(
        [("A", "1", 0), ("B", "1", 24), ("A", "2", 0)],
        [("A", "2", "A", "B")],
        {("B", "1")},
        id="referral-of-another-case",
    ),
    # B is linked with A, but C's only link is with A: the unlinked earlier B makes C a duplicate.
    pytest.param(
        [("A", "1", 0), ("B", "1", 24), ("C", "1", 48)],
        [("B", "1", "B", "A"), ("C", "1", "C", "A")],
        {("C", "1")},
        id="exists-one-unlinked-earlier-case",
    ),
    # C is 10 days after A (outside) but 5 days after B (inside): the window is per pair.
    pytest.param(
        [("A", "1", 0), ("B", "1", 5 * 24), ("C", "1", 10 * 24)], [], {("B", "1"), ("C", "1")}, id="window-per-pair"
    ),
    # The first case on an item is never a duplicate, even when later agencies pile on.
    pytest.param(
        [("C", "1", 0), ("A", "1", 1), ("B", "1", 2)], [], {("A", "1"), ("B", "1")}, id="first-case-never-duplicate"
    ),
    # A referral sent after as_of has not linked the cases yet.
    pytest.param(
        [("A", "1", 0), ("B", "1", 24)], [("B", "1", "B", "A", 1000)], {("B", "1")}, id="referral-after-as-of"
    ),
]


@pytest.mark.parametrize(("cases", "referrals", "expected"), DUPLICATE_CASES)
def test_uncoordinated_duplicates(
    cases: list[tuple[Any, ...]], referrals: list[tuple[Any, ...]], expected: set[tuple[str, str]]
) -> None:
    case_rows = [
        {"agency_code": c[0], "case_id": c[1], "detected_at": h(c[2])} | ({"url_key": c[3]} if len(c) > 3 else {})
        for c in cases
    ]
    referral_rows = [(*r[:4], h(r[4] if len(r) > 4 else 30)) for r in referrals]

    result = case_facts(
        cases_frame(*case_rows), NO_ACTIONS, referrals_frame(*referral_rows), as_of=h(500), sla_hours=SLA_HOURS
    ).collect()

    duplicates = set(result.filter("is_uncoordinated_duplicate").select("agency_code", "case_id").iter_rows())
    assert duplicates == expected
    assert result.height == len(cases)


def test_uncoordinated_duplicates_window_is_configurable() -> None:
    cases = cases_frame(
        {"agency_code": "A", "case_id": "1", "detected_at": h(0)},
        {"agency_code": "B", "case_id": "1", "detected_at": h(30)},
    )
    contacts = referral_contacts(NO_REFERRALS, AS_OF)
    result = uncoordinated_duplicates(cases, contacts, window_h=24.0).collect()
    assert result["is_uncoordinated_duplicate"].to_list() == [False, False]


def naive_duplicates(cases: pl.DataFrame, referrals: pl.DataFrame, window_h: float) -> set[tuple[str, str]]:
    """The definition in PRODUCT.md, written as plain loops over all pairs."""
    contacts: set[tuple[str, str, str]] = set()
    for r in referrals.iter_rows(named=True):
        contacts |= {
            (r["case_agency"], r["case_id"], r["from_agency"]),
            (r["case_agency"], r["case_id"], r["to_agency"]),
        }
    rows = cases.rows(named=True)
    found = set()
    for x, y in itertools.permutations(rows, 2):  # y is the candidate earlier case for x
        earlier = (y["detected_at"], y["agency_code"], y["case_id"]) < (
            x["detected_at"],
            x["agency_code"],
            x["case_id"],
        )
        within = x["detected_at"] - y["detected_at"] <= timedelta(hours=window_h)
        linked = (x["agency_code"], x["case_id"], y["agency_code"]) in contacts or (
            y["agency_code"],
            y["case_id"],
            x["agency_code"],
        ) in contacts
        if x["url_key"] == y["url_key"] and x["agency_code"] != y["agency_code"] and earlier and within and not linked:
            found.add((x["agency_code"], x["case_id"]))
    return found


AGENCIES = st.sampled_from(["A", "B", "C"])


@st.composite
def cases_and_referrals(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A few cases on two url_keys over ~12 days (so pairs fall both inside and outside 168 h), and referrals."""
    keys = draw(st.lists(st.tuples(AGENCIES, st.sampled_from(["1", "2", "3"])), min_size=0, max_size=9, unique=True))
    cases = pl.DataFrame(
        [
            {
                "agency_code": agency,
                "case_id": case_id,
                # Whole 12-hour steps make exact ties and the exact 168 h boundary likely.
                "detected_at": h(12 * draw(st.integers(0, 24))),
                "url_key": draw(st.sampled_from(["u1", "u2"])),
            }
            for agency, case_id in keys
        ],
        schema={"agency_code": pl.String(), "case_id": pl.String(), "detected_at": UTC_US, "url_key": pl.String()},
    )
    referrals = pl.DataFrame(
        [(a, c, draw(AGENCIES), draw(AGENCIES), T0) for a, c in keys if draw(st.booleans())],
        schema=REFERRAL_SCHEMA,
        orient="row",
    )
    return cases, referrals


@settings(max_examples=300, deadline=None)
@given(cases_and_referrals())
def test_uncoordinated_duplicates_match_the_pairwise_definition(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    cases, referrals = frames
    result = uncoordinated_duplicates(cases.lazy(), referral_contacts(referrals.lazy(), AS_OF), 168.0).collect()
    assert result.height == cases.height
    assert set(
        result.filter("is_uncoordinated_duplicate").select("agency_code", "case_id").iter_rows()
    ) == naive_duplicates(cases, referrals, 168.0)
