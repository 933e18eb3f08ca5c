"""Labels exist in both languages; numbers and dates format deterministically per language."""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, date, datetime

import pytest

from dashboards import i18n


def test_every_label_has_both_languages_in_nfc() -> None:
    for key, texts in i18n.LABELS.items():
        assert set(texts) == {"vi", "en"}, key
        for text in texts.values():
            assert text.strip(), key
            assert unicodedata.is_normalized("NFC", text), key
    code_labels = (
        i18n.CATEGORY_LABELS,
        i18n.SEVERITY_LABELS,
        i18n.TIER_LABELS,
        i18n.PLATFORM_LABELS,
        i18n.OUTCOME_LABELS,
        i18n.AGE_BUCKET_LABELS,
        i18n.STATE_LABELS,
    )
    for labels in code_labels:
        for names in labels.values():
            assert set(names) == {"vi", "en"}
            assert all(unicodedata.is_normalized("NFC", name) for name in names.values())


def test_every_code_the_marts_use_has_a_label() -> None:
    from dashboards import data

    assert set(data.AGE_BUCKETS) == set(i18n.AGE_BUCKET_LABELS)
    assert set(data.OUTCOMES) == set(i18n.OUTCOME_LABELS)
    assert set(data.TIER_ORDER) == set(i18n.TIER_LABELS)
    # every Prefect state type the engineer page can show or filter on
    from prefect.client.schemas.objects import StateType

    from dashboards import engineer_data

    assert set(engineer_data.STATE_TYPES) == {t.value for t in StateType} == set(i18n.STATE_LABELS)
    # PRODUCT.md, "cases": the platforms
    assert set(i18n.PLATFORM_LABELS) == {"facebook", "youtube", "tiktok", "zalo", "telegram", "x", "website", "other"}


@pytest.mark.parametrize(
    ("value", "decimals", "unit", "vi", "en"),
    [
        (2, 0, "", "+2", "+2"),
        (-1234, 0, "", "-1.234", "-1,234"),
        (-4.0, 1, "", "-4,0", "-4.0"),
        (41.666, 1, "pp", "+41,7 pp", "+41.7 pp"),
        # a change that rounds to zero is plain 0: no sign, so Streamlit shows no arrow colour for it
        (0.04, 1, "pp", "0 pp", "0 pp"),
        (-0.04, 1, "", "0", "0"),
        (None, 1, "pp", "—", "—"),
    ],
)
def test_fmt_signed(value: float | None, decimals: int, unit: str, vi: str, en: str) -> None:
    assert i18n.fmt_signed(value, "vi", decimals, unit) == vi
    assert i18n.fmt_signed(value, "en", decimals, unit) == en


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (0, "0", "0"),
        (999, "999", "999"),
        (1234, "1.234", "1,234"),
        (1234567, "1.234.567", "1,234,567"),
        (-1234, "-1.234", "-1,234"),
        (None, "—", "—"),
    ],
)
def test_fmt_int(value: int | None, vi: str, en: str) -> None:
    assert i18n.fmt_int(value, "vi") == vi
    assert i18n.fmt_int(value, "en") == en


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (1234.5, "1.234,5", "1,234.5"),
        (8.0, "8,0", "8.0"),
        (0.04, "0,0", "0.0"),
        # half up, as in reports (Python's format would round half to even: 6.2)
        (6.25, "6,3", "6.3"),
        (-0.05, "-0,1", "-0.1"),
        (1234567.891, "1.234.567,9", "1,234,567.9"),
        (None, "—", "—"),
        (math.nan, "—", "—"),
    ],
)
def test_fmt_number(value: float | None, vi: str, en: str) -> None:
    assert i18n.fmt_number(value, "vi") == vi
    assert i18n.fmt_number(value, "en") == en


@pytest.mark.parametrize(
    ("ratio", "vi", "en"),
    [
        (4 / 7, "57,1%", "57.1%"),
        (1.0, "100,0%", "100.0%"),
        (0.0, "0,0%", "0.0%"),
        (0.0005, "0,1%", "0.1%"),
        (None, "—", "—"),
    ],
)
def test_fmt_percent(ratio: float | None, vi: str, en: str) -> None:
    assert i18n.fmt_percent(ratio, "vi") == vi
    assert i18n.fmt_percent(ratio, "en") == en


def test_dates_and_times() -> None:
    assert i18n.fmt_date(date(2025, 1, 6), "vi") == "06/01/2025"
    assert i18n.fmt_date(date(2025, 1, 6), "en") == "2025-01-06"
    # 18:00 UTC on the 6th is 01:00 on the 7th in Hanoi
    instant = datetime(2025, 1, 6, 18, 0, tzinfo=UTC)
    assert i18n.fmt_datetime(instant, "vi", "Asia/Ho_Chi_Minh") == "07/01/2025 01:00 (UTC+07:00)"
    assert i18n.fmt_datetime(instant, "en", "Asia/Ho_Chi_Minh") == "2025-01-07 01:00 (UTC+07:00)"
    assert i18n.fmt_datetime(None, "en", "Asia/Ho_Chi_Minh") == "—"


def test_labels_and_unknown_values() -> None:
    assert i18n.t("kpi_cases", "vi") == "Số vụ việc"
    # an unknown language falls back to Vietnamese
    assert i18n.t("kpi_cases", "xx") == "Số vụ việc"
    assert i18n.category_label("health_misinfo", "en") == "Health misinformation"
    assert i18n.category_label("new_category", "vi") == "new_category"
    assert i18n.severity_label(4, "vi") == "4 – Nghiêm trọng"
    assert i18n.tier_label("national", "vi") == "Trung ương"
    assert i18n.platform_label("website", "en") == "Website"
    assert i18n.platform_label("new_platform", "en") == "new_platform"
    assert i18n.outcome_label("open", "vi") == "Đang mở"
    assert i18n.age_bucket_label("30d+", "en") == "Over 30 days"
    assert i18n.tier_label(None, "en") == "—"


def test_sort_key_orders_vietnamese_names() -> None:
    names = ["Đội Phản ứng", "Công an", "Dịch vụ", "Ủy ban", "An ninh"]
    assert sorted(names, key=i18n.sort_key) == ["An ninh", "Công an", "Dịch vụ", "Đội Phản ứng", "Ủy ban"]
