"""Golden tests for marts.kpi_daily: local-day bucketing, daily counts and the end-of-day backlog.

Local time is Asia/Ho_Chi_Minh (UTC+07:00, no DST): local day D ends at D+1 00:00 local = D 17:00 UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.transforms.facts import ICT, TZ, facts_frame, ict
from transforms.case_facts import UTC_US, case_facts
from transforms.kpi_daily import KPI_DAILY_SCHEMA, kpi_daily


def kpi_rows(*rows: tuple[object, ...], as_of: datetime) -> pl.DataFrame:
    """Expected kpi_daily rows, each the mart's columns in order without as_of.

    (day, agency, category, severity, platform, detected, actioned, met, breached, pending, duplicates, backlog)
    """
    return pl.DataFrame([(*row, as_of) for row in rows], schema=KPI_DAILY_SCHEMA, orient="row")


FB = "facebook"


def test_kpi_daily_golden() -> None:
    facts = facts_frame(
        # Detected on 1 Mar, first enforcement after local midnight (2 Mar), closed 23:30 on 2 Mar.
        {
            "detected_at": ict("2024-03-01 09:00"),
            "actioned_at": ict("2024-03-02 00:10"),
            "closed_at": ict("2024-03-02 23:30"),
            "sla_status": "met",
        },
        # 23:59 local on 1 Mar is 16:59 UTC: still 1 Mar. Never closed, so open every day after.
        {"detected_at": ict("2024-03-01 23:59"), "sla_status": "breached", "is_uncoordinated_duplicate": True},
        # Another agency: opened and closed on 3 Mar, so never open at the end of a day.
        {"agency_code": "B", "detected_at": ict("2024-03-03 08:00"), "closed_at": ict("2024-03-03 12:00")},
    )
    as_of = ict("2024-03-04 10:00")

    result = kpi_daily(facts, as_of=as_of, local_tz=TZ).collect()

    d = date(2024, 3, 1)
    expected = kpi_rows(
        (d, "A", "phishing", 4, FB, 2, 0, 1, 1, 0, 1, 2),
        (d + timedelta(1), "A", "phishing", 4, FB, 0, 1, 0, 0, 0, 0, 1),
        (d + timedelta(2), "A", "phishing", 4, FB, 0, 0, 0, 0, 0, 0, 1),
        (d + timedelta(2), "B", "phishing", 4, FB, 1, 0, 0, 0, 1, 0, 0),
        # as_of is 4 Mar 10:00 local: the last reported day. B has nothing left, so no B row.
        (d + timedelta(3), "A", "phishing", 4, FB, 0, 0, 0, 0, 0, 0, 1),
        as_of=as_of,
    )
    assert_frame_equal(result, expected)


# One case of agency A; expected rows as (local day, cases_detected, backlog_open).
BACKLOG_CASES = [
    # Closed 23:30 local on 2 Mar: gone by the end of 2 Mar.
    pytest.param("2024-03-01 10:00", "2024-03-02 23:30", [("2024-03-01", 1, 1)], id="closed-2330-local"),
    # Closed 00:30 local on 3 Mar (17:30 UTC on 2 Mar): still open at the end of 2 Mar.
    pytest.param(
        "2024-03-01 10:00",
        "2024-03-03 00:30",
        [("2024-03-01", 1, 1), ("2024-03-02", 0, 1)],
        id="closed-0030-local-next-day",
    ),
    # Closed exactly at local midnight: closed_at ≥ end of 2 Mar, so open at the end of 2 Mar.
    pytest.param(
        "2024-03-01 10:00",
        "2024-03-03 00:00",
        [("2024-03-01", 1, 1), ("2024-03-02", 0, 1)],
        id="closed-at-local-midnight",
    ),
    # 23:59 local = 16:59 UTC on the same date: detected and open on 1 Mar.
    pytest.param("2024-03-01 23:59", "2024-03-02 05:00", [("2024-03-01", 1, 1)], id="detected-2359-local"),
    # 00:00 local on 2 Mar = 17:00 UTC on 1 Mar: belongs to 2 Mar.
    pytest.param("2024-03-02 00:00", "2024-03-02 05:00", [("2024-03-02", 1, 0)], id="detected-local-midnight"),
    # Opened and closed within one local day: detected, never in a backlog.
    pytest.param("2024-03-01 10:00", "2024-03-01 11:00", [("2024-03-01", 1, 0)], id="closed-same-day"),
    # Never closed: open through the local day of as_of (4 Mar 01:00 local), no further.
    pytest.param(
        "2024-03-02 10:00",
        None,
        [("2024-03-02", 1, 1), ("2024-03-03", 0, 1), ("2024-03-04", 0, 1)],
        id="never-closed-until-as-of-day",
    ),
    # Closed after as_of: open through the as_of day; the closure is outside the reported range.
    pytest.param(
        "2024-03-03 10:00", "2024-03-09 10:00", [("2024-03-03", 1, 1), ("2024-03-04", 0, 1)], id="closed-after-as-of"
    ),
    # A closure recorded before detection (invalid) never makes the backlog negative.
    pytest.param("2024-03-02 10:00", "2024-03-01 10:00", [("2024-03-02", 1, 0)], id="closed-before-detected"),
]


@pytest.mark.parametrize(("detected", "closed", "expected"), BACKLOG_CASES)
def test_backlog_at_end_of_local_day(detected: str, closed: str | None, expected: list[tuple[str, int, int]]) -> None:
    as_of = ict("2024-03-04 01:00")  # 18:00 UTC on 3 Mar: the last reported local day is 4 Mar
    facts = facts_frame({"detected_at": ict(detected), "closed_at": None if closed is None else ict(closed)})

    result = kpi_daily(facts, as_of=as_of, local_tz=TZ).collect()

    assert result.select("day", "cases_detected", "backlog_open").rows() == [
        (date.fromisoformat(day), n, backlog) for day, n, backlog in expected
    ]


@pytest.mark.parametrize(
    ("actioned", "expected_day"),
    [
        ("2024-03-01 23:59", date(2024, 3, 1)),
        # 00:10 local on 2 Mar is 17:10 UTC on 1 Mar: counted on 2 Mar.
        ("2024-03-02 00:10", date(2024, 3, 2)),
    ],
)
def test_cases_actioned_fall_on_the_local_day_of_first_enforcement(actioned: str, expected_day: date) -> None:
    facts = facts_frame(
        {"detected_at": ict("2024-03-01 08:00"), "actioned_at": ict(actioned), "closed_at": ict("2024-03-01 09:00")}
    )
    result = kpi_daily(facts, as_of=ict("2024-03-05 00:00"), local_tz=TZ).collect()
    assert result.filter(pl.col("cases_actioned") > 0).select("day", "cases_actioned").rows() == [(expected_day, 1)]


def test_dimensions_are_kept_apart() -> None:
    facts = facts_frame(
        {"detected_at": ict("2024-03-01 08:00"), "closed_at": ict("2024-03-01 09:00")},
        {"detected_at": ict("2024-03-01 08:00"), "closed_at": ict("2024-03-01 09:00"), "severity": 2},
        {"detected_at": ict("2024-03-01 08:00"), "closed_at": ict("2024-03-01 09:00"), "category": "malware"},
        {"detected_at": ict("2024-03-01 08:00"), "closed_at": ict("2024-03-01 09:00"), "agency_code": "B"},
        {"detected_at": ict("2024-03-01 08:00"), "closed_at": ict("2024-03-01 09:00"), "platform": "zalo"},
        {"detected_at": ict("2024-03-01 18:00"), "closed_at": ict("2024-03-01 19:00")},
    )
    as_of = ict("2024-03-01 20:00")
    result = kpi_daily(facts, as_of=as_of, local_tz=TZ).collect()
    d = date(2024, 3, 1)
    expected = kpi_rows(
        (d, "A", "malware", 4, FB, 1, 0, 0, 0, 1, 0, 0),
        (d, "A", "phishing", 2, FB, 1, 0, 0, 0, 1, 0, 0),
        (d, "A", "phishing", 4, FB, 2, 0, 0, 0, 2, 0, 0),
        (d, "A", "phishing", 4, "zalo", 1, 0, 0, 0, 1, 0, 0),
        (d, "B", "phishing", 4, FB, 1, 0, 0, 0, 1, 0, 0),
        as_of=as_of,
    )
    assert_frame_equal(result, expected)


def test_no_cases_gives_an_empty_mart() -> None:
    result = kpi_daily(facts_frame(), as_of=ict("2024-03-01 00:00"), local_tz=TZ).collect()
    assert result.schema == KPI_DAILY_SCHEMA
    assert result.height == 0


# -- property: kpi_daily reconciles with case_facts ---------------------------------------------------------

T0 = ict("2024-03-01 00:00")


@st.composite
def staging(draw: st.DrawFn) -> tuple[list[dict[str, object]], list[tuple[object, ...]], datetime]:
    """Random cases and actions over ~6 days, on a 30-minute grid so local midnights are hit exactly.

    Plain rows, not frames: building Polars frames inside a strategy touches the `random` module, which
    Hypothesis warns against.
    """
    n = draw(st.integers(0, 25))
    step = timedelta(minutes=30)
    cases, actions = [], []
    for i in range(n):
        detected = T0 + draw(st.integers(0, 288)) * step
        closed_after = draw(st.none() | st.integers(0, 200))
        closed = None if closed_after is None else detected + closed_after * step
        cases.append(
            {
                "agency_code": draw(st.sampled_from(["A", "B"])),
                "case_id": str(i),
                "detected_at": detected,
                "url_key": draw(st.sampled_from(["u1", "u2"])),
                "platform": draw(st.sampled_from(["facebook", "zalo"])),
                "category": draw(st.sampled_from(["phishing", "malware"])),
                "severity": draw(st.integers(1, 4)),
                "reach": None,
                "status": "open",
                "triaged_at": None,
                "closed_at": closed,
            }
        )
        for _ in range(draw(st.integers(0, 2))):
            action = draw(st.sampled_from(["removed", "labelled", "no_violation"]))
            actions.append((cases[-1]["agency_code"], str(i), action, detected + draw(st.integers(0, 200)) * step))
    return cases, actions, T0 + draw(st.integers(288, 400)) * step


def staging_frames(
    cases: list[dict[str, object]], actions: list[tuple[object, ...]]
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The drawn rows as the staging LazyFrames case_facts reads."""
    cases_lf = pl.LazyFrame(
        cases,
        schema={
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
        },
    )
    actions_lf = pl.LazyFrame(
        actions,
        schema={"case_agency": pl.String(), "case_id": pl.String(), "action": pl.String(), "responded_at": UTC_US},
        orient="row",
    )
    return cases_lf, actions_lf


@settings(max_examples=150, deadline=None)
@given(staging())
def test_kpi_daily_reconciles_with_case_facts(
    drawn: tuple[list[dict[str, object]], list[tuple[object, ...]], datetime],
) -> None:
    case_rows, action_rows, as_of = drawn
    cases, actions = staging_frames(case_rows, action_rows)
    no_referrals = pl.LazyFrame(
        schema={
            "case_agency": pl.String(),
            "case_id": pl.String(),
            "from_agency": pl.String(),
            "to_agency": pl.String(),
            "sent_at": UTC_US,
        }
    )
    facts = case_facts(
        cases, actions, no_referrals, as_of=as_of, sla_hours={4: 4.0, 3: 24.0, 2: 72.0, 1: 168.0}
    ).collect()
    kpi = kpi_daily(facts.lazy(), as_of=as_of, local_tz=TZ).collect()
    dims = ["agency_code", "category", "severity", "platform"]

    # Totals per dimension after a group-by equal the case_facts counts.
    by_dim = kpi.group_by(dims).agg(
        pl.col("cases_detected", "cases_actioned", "sla_met", "sla_breached", "sla_pending", "duplicates").sum()
    )
    expected_by_dim = facts.group_by(dims).agg(
        cases_detected=pl.len().cast(pl.Int64),
        cases_actioned=pl.col("actioned_at").is_not_null().sum().cast(pl.Int64),
        sla_met=(pl.col("sla_status") == "met").sum().cast(pl.Int64),
        sla_breached=(pl.col("sla_status") == "breached").sum().cast(pl.Int64),
        sla_pending=(pl.col("sla_status") == "pending").sum().cast(pl.Int64),
        duplicates=pl.col("is_uncoordinated_duplicate").sum().cast(pl.Int64),
    )
    assert_frame_equal(by_dim, expected_by_dim, check_row_order=False)
    assert kpi["cases_detected"].sum() == facts.height

    # The backlog, recounted case by case for every local day of the range (absent row = 0 open).
    backlog = {(r["day"], *(r[d] for d in dims)): r["backlog_open"] for r in kpi.iter_rows(named=True)}
    if facts.height:
        first = min(facts["detected_at"]).astimezone(ICT).date()
        last = as_of.astimezone(ICT).date()
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), ICT)
            naive: dict[tuple[object, ...], int] = {}
            for f in facts.iter_rows(named=True):
                if f["detected_at"] < end_of_day and (f["closed_at"] is None or f["closed_at"] >= end_of_day):
                    key = (day, *(f[d] for d in dims))
                    naive[key] = naive.get(key, 0) + 1
            recorded = {k: v for k, v in backlog.items() if k[0] == day and v}
            assert recorded == naive

    # No row is all zeros, and days stay within the reported range.
    counts = [c for c in KPI_DAILY_SCHEMA.names() if c not in ("day", *dims, "as_of")]
    assert kpi.filter(pl.sum_horizontal(counts) == 0).height == 0
    assert all(day <= as_of.astimezone(ICT).date() for day in kpi["day"].to_list())
