"""Golden tests for marts.hotspots: a (category, local day) far above its trailing 28-day mean.

Every expected value is computed by hand; days are local (UTC+07:00) days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.case_facts import UTC_US
from transforms.hotspots import HOTSPOTS_SCHEMA, hotspots

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
TZ = "Asia/Ho_Chi_Minh"
D0 = date(2024, 3, 1)
FACT_SCHEMA = {"category": pl.String(), "detected_at": UTC_US}


def noon(day: date) -> datetime:
    """12:00 local on a day, as a UTC instant."""
    return datetime.combine(day, time(12), ICT).astimezone(UTC)


def daily_cases(counts: list[int], category: str = "scam_fraud", start: date = D0) -> list[tuple[str, datetime]]:
    """case_facts rows (category, detected_at): counts[i] cases at noon on day start + i."""
    return [(category, noon(start + timedelta(days=i))) for i, n in enumerate(counts) for _ in range(n)]


def facts(*rows: list[tuple[str, datetime]]) -> pl.LazyFrame:
    """case_facts columns hotspots reads."""
    return pl.LazyFrame([r for part in rows for r in part], schema=FACT_SCHEMA, orient="row")


def as_of_end_of(day: date) -> datetime:
    """18:00 local on ``day``: the last reported day is ``day``."""
    return datetime.combine(day, time(18), ICT).astimezone(UTC)


# 14 days of 8 and 14 days of 12: trailing mean 10, population std 2 (every value is 2 from the mean).
HISTORY = [8, 12] * 14


def test_hotspots_golden_rows() -> None:
    # 28 days of history, then a day of 16 = mean + 3 std exactly: a hotspot (the bound is inclusive).
    counts = [*HISTORY, 16]
    as_of = as_of_end_of(D0 + timedelta(days=28))

    result = hotspots(facts(daily_cases(counts)), as_of=as_of, local_tz=TZ).collect()

    expected = pl.DataFrame(
        {
            "category": ["scam_fraud"] * 29,
            "day": [D0 + timedelta(days=i) for i in range(29)],
            "new_cases": counts,
            # Fewer than 28 days before a day: no full window, so no mean, no std, never a hotspot.
            "trailing_mean": [None] * 28 + [10.0],
            "trailing_std": [None] * 28 + [2.0],
            "is_hotspot": [False] * 28 + [True],
            "as_of": [as_of] * 29,
        },
        schema=HOTSPOTS_SCHEMA,
    )
    assert_frame_equal(result, expected)


# 28 days of history then the day under test: (history, new cases on the day) -> is_hotspot. A case of
# another category on the first day starts the data there, so leading zero days are history too.
THRESHOLD_CASES = [
    # Mean 10, std 2: the threshold is 16.
    pytest.param(HISTORY, 15, False, id="just-under-3-std"),
    pytest.param(HISTORY, 16, True, id="exactly-3-std"),
    pytest.param(HISTORY, 17, True, id="just-over-3-std"),
    # Mean 1, std 0: 9 is far above in std terms, but fewer than 10 cases is never a hotspot.
    pytest.param([1] * 28, 9, False, id="over-std-threshold-but-9-cases"),
    pytest.param([1] * 28, 10, True, id="over-std-threshold-and-10-cases"),
    # Days with zero cases count as zeros: mean 0, std 0, and 10 cases is a hotspot.
    pytest.param([0] * 28, 10, True, id="all-zero-history"),
    # Std 0 and no excess over the mean: a steady 12 a day is not a hotspot.
    pytest.param([12] * 28, 12, False, id="steady-level-not-a-hotspot"),
    # Mean 3.5, population std 0.5 (sample std would be 0.509): 3.5 + 1.5 = 5, so 10 is a hotspot.
    pytest.param([3, 4] * 14, 10, True, id="low-variance-history"),
    # One big earlier spike widens the std: mean 100/28, std = sqrt(28*10000 - 100^2)/28 ≈ 18.56,
    # threshold ≈ 59.3: 59 is not a hotspot, 60 is.
    pytest.param([0] * 27 + [100], 59, False, id="after-a-spike-59"),
    pytest.param([0] * 27 + [100], 60, True, id="after-a-spike-60"),
]


@pytest.mark.parametrize(("history", "new_cases", "expected"), THRESHOLD_CASES)
def test_hotspot_threshold(history: list[int], new_cases: int, expected: bool) -> None:
    day = D0 + timedelta(days=len(history))
    rows = facts(daily_cases([1], "other"), daily_cases([*history, new_cases]))
    result = hotspots(rows, as_of=as_of_end_of(day), local_tz=TZ).collect().filter(pl.col("category") == "scam_fraud")
    assert result.filter(pl.col("day") == day).select("new_cases", "is_hotspot").row(0) == (new_cases, expected)


def test_the_day_itself_is_not_in_its_window() -> None:
    # Days 28 and 29 are both 40 over a history of zeros; day 29's window holds day 28's 40 (and 27 zeros).
    rows = facts(daily_cases([1], "other"), daily_cases([0] * 28 + [40, 40]))
    result = hotspots(rows, as_of=as_of_end_of(D0 + timedelta(days=29)), local_tz=TZ).collect()
    last_two = result.tail(2).select("trailing_mean", "is_hotspot").rows()
    assert last_two[0] == (0.0, True)
    # Mean 40/28, std = sqrt(28*1600 - 40^2)/28 ≈ 7.29; threshold ≈ 23.3: still a hotspot.
    assert last_two[1][0] == pytest.approx(40 / 28)
    assert last_two[1][1] is True


def test_history_starts_on_the_first_day_with_any_case() -> None:
    # 28 empty days before the first case are no history: the data starts on the day of 30 cases.
    rows = facts(daily_cases([0] * 28 + [30]))
    result = hotspots(rows, as_of=as_of_end_of(D0 + timedelta(days=28)), local_tz=TZ).collect()
    assert result.select("day", "new_cases", "trailing_mean", "is_hotspot").rows() == [
        (D0 + timedelta(days=28), 30, None, False)
    ]


def test_rows_are_zero_filled_per_category_from_the_first_day() -> None:
    # Phishing starts on day 2; malware has its only case on day 0. Both get a row for every day 0..3.
    rows = facts(daily_cases([1], "malware"), daily_cases([0, 0, 3], "phishing"))
    result = hotspots(rows, as_of=as_of_end_of(D0 + timedelta(days=3)), local_tz=TZ).collect()
    assert result.select("category", "day", "new_cases").rows() == [
        ("malware", D0, 1),
        ("malware", D0 + timedelta(days=1), 0),
        ("malware", D0 + timedelta(days=2), 0),
        ("malware", D0 + timedelta(days=3), 0),
        ("phishing", D0, 0),
        ("phishing", D0 + timedelta(days=1), 0),
        ("phishing", D0 + timedelta(days=2), 3),
        ("phishing", D0 + timedelta(days=3), 0),
    ]


def test_a_category_that_starts_late_has_zeros_as_history() -> None:
    # Malware from day 0 sets the first day; phishing's first cases on day 28 (12 of them) stand
    # against 28 zero days: a hotspot.
    rows = facts(daily_cases([1] * 29, "malware"), daily_cases([12], "phishing", start=D0 + timedelta(days=28)))
    result = hotspots(rows, as_of=as_of_end_of(D0 + timedelta(days=28)), local_tz=TZ).collect()
    assert result.filter(pl.col("is_hotspot")).select("category", "day").rows() == [
        ("phishing", D0 + timedelta(days=28))
    ]


@pytest.mark.parametrize(
    ("local_time", "expected_day"),
    [
        # 23:30 local on 1 Mar is 16:30 UTC on 1 Mar.
        ("2024-03-01 23:30", D0),
        # 00:30 local on 2 Mar is 17:30 UTC on 1 Mar: it counts on 2 Mar.
        ("2024-03-02 00:30", D0 + timedelta(days=1)),
    ],
)
def test_new_cases_fall_on_the_local_day(local_time: str, expected_day: date) -> None:
    detected = datetime.fromisoformat(local_time).replace(tzinfo=ICT).astimezone(UTC)
    rows = facts([("scam_fraud", noon(D0)), ("scam_fraud", detected)])
    result = hotspots(rows, as_of=as_of_end_of(D0 + timedelta(days=1)), local_tz=TZ).collect()
    assert result.filter(pl.col("day") == expected_day)["new_cases"].item() == (2 if expected_day == D0 else 1)


def test_cases_after_as_of_are_not_counted() -> None:
    rows = facts(daily_cases([1, 5]))
    result = hotspots(rows, as_of=as_of_end_of(D0), local_tz=TZ).collect()
    assert result.select("day", "new_cases").rows() == [(D0, 1)]


def test_no_cases_gives_an_empty_mart() -> None:
    result = hotspots(facts([]), as_of=as_of_end_of(D0), local_tz=TZ).collect()
    assert result.schema == HOTSPOTS_SCHEMA
    assert result.height == 0
