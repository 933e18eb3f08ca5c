"""The dashboard app in Streamlit's AppTest: renders in both languages, tiles match hand-computed numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from concord.warehouse import connect, ensure_schema

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"

# Tiles (cases, median time to action, SLA compliance, open backlog, duplicate rate) per filter,
# worked out by hand from the case table in conftest.py. Vietnamese formatting.
EXPECTED_VI = {
    # all 8 cases; actioned times 2,3,6,10,20,30 → (6+10)/2 = 8; SLA met 4 / (4 + 3 breached);
    # open at the end of 01-19: C2, P2, P3, C4, P4; duplicates P1, P3 → 2/8
    "all": ["8", "8,0", "57,1%", "5", "25,0%"],
    # A02 = P1..P4; times 30,20,3 → 20; SLA 2/3; open: P2, P3, P4; duplicates 2/4
    "agency_A02": ["4", "20,0", "66,7%", "3", "50,0%"],
    # 01-06..01-12 = C1, C2, P1; times 2,10,30 → 10; SLA 1/3; open at the end of 01-12: C2; duplicates 1/3
    "days_06_12": ["3", "10,0", "33,3%", "1", "33,3%"],
    # phishing = C1, P1, C3, P4; times 2,30,6 → 6; SLA 2/3; open on 01-19: P4; duplicates 1/4
    "category_phishing": ["4", "6,0", "66,7%", "1", "25,0%"],
    # severity 4 = C2, P3; times 10,3 → 6.5; SLA 1/2; open: C2, P3; duplicates 1/2
    "severity_4": ["2", "6,5", "50,0%", "2", "50,0%"],
    # 01-07 alone: only C2, detected 18:00 UTC on the 6th = 01:00 local on the 7th (UTC days would miss it)
    "day_07": ["1", "10,0", "0,0%", "1", "0,0%"],
    # A01 and phishing: C1, C3; times 2,6 → 4; SLA 2/2; C1 and C3 closed by 01-19; no duplicate
    "agency_A01_phishing": ["2", "4,0", "100,0%", "0", "0,0%"],
}
EXPECTED_EN_ALL = ["8", "8.0", "57.1%", "5", "25.0%"]

FILTERS: dict[str, Callable[[AppTest], object]] = {
    "all": lambda at: None,
    "agency_A02": lambda at: at.multiselect(key="filter_agencies").set_value(["A02"]),
    "days_06_12": lambda at: at.sidebar.date_input[0].set_value((date(2025, 1, 6), date(2025, 1, 12))),
    "category_phishing": lambda at: at.multiselect(key="filter_categories").set_value(["phishing"]),
    "severity_4": lambda at: at.multiselect(key="filter_severities").set_value([4]),
    "day_07": lambda at: at.sidebar.date_input[0].set_value((date(2025, 1, 7), date(2025, 1, 7))),
    "agency_A01_phishing": lambda at: (
        at.multiselect(key="filter_agencies").set_value(["A01"]),
        at.multiselect(key="filter_categories").set_value(["phishing"]),
    ),
}


def run_app(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    if lang:
        at.query_params["lang"] = lang
    return at.run()


def tile_values(at: AppTest) -> list[str]:
    return [metric.value for metric in at.metric]


def test_renders_in_vietnamese_by_default(serving_db: Path) -> None:
    at = run_app()

    assert not at.exception
    assert at.title[0].value == "Tổng quan điều phối"
    assert [m.label for m in at.metric] == [
        "Số vụ việc",
        "Trung vị xử lý (giờ)",
        "Tỷ lệ đạt SLA",
        "Tồn đọng cuối kỳ",
        "Trùng lặp không phối hợp",
    ]
    assert tile_values(at) == EXPECTED_VI["all"]
    assert all(m.proto.help for m in at.metric), "every tile carries its definition"
    # the completed run, not the later failed or running ones; local time
    assert any("20/01/2025 07:00 (UTC+07:00)" in c.value and "run-0001" in c.value for c in at.caption)
    assert at.query_params["lang"] == "vi"
    assert any("không cần đăng nhập" in c.value for c in at.sidebar.caption)


def test_renders_in_english_from_the_query_parameter(serving_db: Path) -> None:
    at = run_app("en")

    assert not at.exception
    assert at.title[0].value == "Coordination overview"
    assert at.metric[0].label == "Cases"
    assert tile_values(at) == EXPECTED_EN_ALL
    assert any("2025-01-20 07:00 (UTC+07:00)" in c.value for c in at.caption)
    assert any("without sign-in" in c.value for c in at.sidebar.caption)


def test_language_toggle_switches_and_survives_other_widgets(serving_db: Path) -> None:
    at = run_app()

    at.segmented_control(key="lang").set_value("en").run()
    assert tile_values(at) == EXPECTED_EN_ALL
    assert at.query_params["lang"] == "en"

    # A filter rerun keeps the language (it would not with a legacy `pages/` folder next to app.py).
    at.multiselect(key="filter_agencies").set_value(["A02"]).run()
    assert not at.exception
    assert at.title[0].value == "Coordination overview"
    assert tile_values(at) == ["4", "20.0", "66.7%", "3", "50.0%"]

    at.segmented_control(key="lang").set_value("vi").run()
    assert tile_values(at) == EXPECTED_VI["agency_A02"]


@pytest.mark.parametrize("case", list(EXPECTED_VI))
def test_filters_change_the_tiles(serving_db: Path, case: str) -> None:
    at = run_app()
    FILTERS[case](at)
    at.run()

    assert not at.exception
    assert tile_values(at) == EXPECTED_VI[case]


def test_filter_labels_follow_the_language(serving_db: Path) -> None:
    at = run_app("en")
    agencies = at.multiselect(key="filter_agencies")
    severities = at.multiselect(key="filter_severities")

    assert agencies.options == [
        "City Police",
        "Cyber Security Monitoring Centre",
        "Department of Information and Communications",
    ]
    assert "4 – Critical" in severities.options

    vi = run_app("vi")
    assert "Công an Thành phố" in vi.multiselect(key="filter_agencies").options
    assert "4 – Nghiêm trọng" in vi.multiselect(key="filter_severities").options


def test_weekly_table_and_exports(serving_db: Path) -> None:
    at = run_app("en")

    table = at.dataframe[0].value
    assert list(table["ISO week"]) == ["2025-W02", "2025-W03"]
    assert list(table["Cases"]) == [3, 5]
    assert list(table["SLA compliance (%)"]) == [33.3, 75.0]
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV", "Download XLSX"]


def test_missing_serving_file_shows_how_to_run_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCORD_SERVING", str(tmp_path / "nope.serving.duckdb"))

    for lang in ("vi", "en"):
        at = run_app(lang)
        assert not at.exception
        assert not at.metric
        message = at.info[0].value
        assert "Hãy chạy pipeline trước" in message and "Run the pipeline first" in message
        assert "nope.serving.duckdb" in message


def test_empty_serving_copy_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.serving.duckdb"
    con = connect(path)
    ensure_schema(con)
    con.close()
    monkeypatch.setenv("CONCORD_SERVING", str(path))

    at = run_app()

    assert not at.exception
    assert not at.metric
    assert any("Chưa có lần chạy nào hoàn tất" in w.value for w in at.warning)
    assert any("marts.kpi_daily" in i.value for i in at.info)


def test_unreadable_serving_copy_shows_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.serving.duckdb"
    connect(path).close()  # a DuckDB file without the contract tables, e.g. from an older version
    monkeypatch.setenv("CONCORD_SERVING", str(path))

    at = run_app("en")

    assert not at.exception
    assert not at.metric
    assert "Could not read the serving copy" in at.error[0].value
