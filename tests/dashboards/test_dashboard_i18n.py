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
    for names in (*i18n.CATEGORY_LABELS.values(), *i18n.SEVERITY_LABELS.values()):
        assert set(names) == {"vi", "en"}


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


def test_sort_key_orders_vietnamese_names() -> None:
    names = ["Đội Phản ứng", "Công an", "Dịch vụ", "Ủy ban", "An ninh"]
    assert sorted(names, key=i18n.sort_key) == ["An ninh", "Công an", "Dịch vụ", "Đội Phản ứng", "Ủy ban"]
