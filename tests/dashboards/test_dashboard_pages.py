"""Every leadership page in Streamlit's AppTest: renders in vi and en, shows hand-computed figures, follows filters.

The figures come from the fixture in conftest.py; the arithmetic is in the comments next to each expectation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from dashboards import charts, export, i18n

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
PAGES = ["overview", "trends", "scorecards", "coordination", "platforms", "backlog", "hotspots", "public_responses"]
TITLES = {
    "overview": "overview_title",
    "trends": "trends_title",
    "scorecards": "scorecards_title",
    "coordination": "coordination_title",
    "platforms": "platforms_title",
    "backlog": "backlog_title",
    "hotspots": "hotspots_title",
    "public_responses": "public_title",
}

# The tiles of each page for all the fixture's days and no other filter, in Vietnamese.
TILES_VI = {
    # 8 cases; time to action 2, 3, 6, 10, 20, 30 → 8; SLA 4 / 7; open at the end of 01-19: 5; duplicates 2 / 8
    "overview": ["8", "8,0", "57,1%", "5", "25,0%"],
    # cases in the last ISO week, 2025-W03: P2, C3, P3, C4, P4
    "trends": ["5"],
    # network medians over A01, A02 (A03 has no case): action (6 + 20) / 2; SLA (1/2 + 2/3) / 2;
    # duplicates (0 + 1/2) / 2; acknowledgement of received hand-offs median(2, 18, 2.75) = 2.75 → 2,8 (half up)
    "scorecards": ["13,0", "58,3%", "25,0%", "2,8"],
    # 7 hand-offs; acknowledged 1.5, 2, 4, 6, 30 → 4; stalled R4 R5 R6; ping-pong R3; duplicates P1 P3 of 8
    "coordination": ["7", "4,0", "3 (42,9%)", "1 (14,3%)", "2 (25,0%)"],
    # 10 requests; answered 2, 2, 5, 6, 8, 18, 24, 28 → median 7, p90 24 + 0.3 × 4; enforcement 6 / 9; 1 pending
    "platforms": ["10", "7,0", "25,2", "66,7%", "1"],
    # open at the end of 01-19: P4 (0-1d), P2 P3 C4 (3-7d), C2 (7-30d); over 7 days: C2
    "backlog": ["5", "1 (20,0%)"],
    # phishing on 01-15 (14 cases) and 01-16 (16)
    "hotspots": ["2", "1", "16"],
    # P2 covered after 30 h, C4 answered after 60 h: 1 of 2; median 45
    "public_responses": ["2", "50,0%", "45,0", "1"],
}
TILES_EN = {
    "overview": ["8", "8.0", "57.1%", "5", "25.0%"],
    "trends": ["5"],
    "scorecards": ["13.0", "58.3%", "25.0%", "2.8"],
    "coordination": ["7", "4.0", "3 (42.9%)", "1 (14.3%)", "2 (25.0%)"],
    "platforms": ["10", "7.0", "25.2", "66.7%", "1"],
    "backlog": ["5", "1 (20.0%)"],
    "hotspots": ["2", "1", "16"],
    "public_responses": ["2", "50.0%", "45.0", "1"],
}


def agencies(*codes: str) -> Callable[[AppTest], object]:
    return lambda at: at.multiselect(key="filter_agencies").set_value(list(codes))


def categories(*codes: str) -> Callable[[AppTest], object]:
    return lambda at: at.multiselect(key="filter_categories").set_value(list(codes))


def days(start: date, end: date) -> Callable[[AppTest], object]:
    return lambda at: at.sidebar.date_input[0].set_value((start, end))


# (page, filter, tiles in Vietnamese): one filter per page that changes its figures.
FILTERED = [
    # A01: W03 = C3, C4 (2) and W02 = C1, C2 (2): no change, so the arrow is off
    ("trends", agencies("A01"), ["2"]),
    # phishing: A01 C1 C3 (action 2, 6 → 4; SLA 2/2; no duplicate), A02 P1 P4 (action 30; SLA 0/1; duplicate 1/2);
    # network: action (4 + 30) / 2 = 17; SLA (1 + 0) / 2; duplicates (0 + 1/2) / 2;
    # phishing hand-offs R1 (A01 → A03, 2 h) and R7 (A02 → A01, 1.5 h): receivers' medians 2, 1.5 → 1.75 → 1,8
    ("scorecards", categories("phishing"), ["17,0", "50,0%", "25,0%", "1,8"]),
    # A02 on either side: R2..R7; acknowledged 6, 4, 30, 1.5 → 5; stalled R4 R5 R6 of 6; ping-pong R3;
    # A02's cases P1..P4, duplicates P1 P3
    ("coordination", agencies("A02"), ["6", "5,0", "3 (50,0%)", "1 (16,7%)", "2 (50,0%)"]),
    # A01: Q01 2, Q02 8, Q06 5, Q08 24, Q09 no response → median 6.5, p90 at 2.7 → 8 + 0.7 × 16; enforcement 3 / 5
    ("platforms", agencies("A01"), ["5", "6,5", "19,2", "60,0%", "0"]),
    # end of 01-12: only C2, 143 h old (3-7d)
    ("backlog", days(date(2025, 1, 6), date(2025, 1, 12)), ["1", "0 (0,0%)"]),
    # until 01-15: only the 14-case phishing day
    ("hotspots", days(date(2025, 1, 6), date(2025, 1, 15)), ["1", "1", "14"]),
    # A02: only P2, covered after 30 h
    ("public_responses", agencies("A02"), ["1", "100,0%", "30,0", "0"]),
]


def open_page(page: str, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    if page != "overview":
        at.switch_page(f"leadership/{page}.py").run()
    return at


def tiles(at: AppTest) -> list[str]:
    return [metric.value for metric in at.metric]


def table(at: AppTest, first_column: str) -> pl.DataFrame:
    """The page's table whose first column is ``first_column``, as Polars."""
    for frame in at.dataframe:
        if frame.value.columns[0] == first_column:
            return pl.from_pandas(frame.value)
    raise AssertionError(f"no table starts with {first_column!r}: {[f.value.columns[0] for f in at.dataframe]}")


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_hand_computed_figures(serving_db: Path, page: str, lang: str) -> None:
    at = open_page(page, lang)

    assert not at.exception
    assert at.title[0].value == i18n.t(TITLES[page], lang)
    assert tiles(at) == (TILES_VI if lang == "vi" else TILES_EN)[page]
    assert all(metric.proto.help for metric in at.metric), "every tile carries its definition"
    # "data as of" on every page: the completed run, in local time, formatted the page's way
    as_of = "20/01/2025 07:00 (UTC+07:00)" if lang == "vi" else "2025-01-20 07:00 (UTC+07:00)"
    assert any(as_of in c.value and "run-0001" in c.value for c in at.caption)
    # every chart has a table view, and every table its CSV and XLSX downloads
    downloads = [b.proto.label for b in at.get("download_button")]
    assert len(at.get("arrow_vega_lite_chart")) <= len(at.dataframe)
    assert downloads == [i18n.t("download_csv", lang), i18n.t("download_xlsx", lang)] * len(at.dataframe)
    # the page names appear in the navigation in the page's language
    assert at.query_params["lang"] == lang


@pytest.mark.parametrize(("page", "apply", "expected"), FILTERED, ids=[case[0] for case in FILTERED])
def test_a_filter_changes_the_figures(
    serving_db: Path, page: str, apply: Callable[[AppTest], object], expected: list[str]
) -> None:
    at = open_page(page)
    apply(at)
    at.run()

    assert not at.exception
    assert tiles(at) == expected
    assert tiles(at) != TILES_VI[page]


def test_a_filter_that_matches_nothing_leaves_every_page_readable(serving_db: Path) -> None:
    at = open_page("overview")
    days(date(2025, 1, 10), date(2025, 1, 11))(at)
    categories("health_misinfo")(at)
    at.run()

    for page in PAGES:  # the filters follow the reader from page to page
        at.switch_page(f"leadership/{page}.py").run()

        assert not at.exception, page
        assert at.multiselect(key="filter_categories").value == ["health_misinfo"]
        assert at.metric, page


def test_overview_tiles_show_week_over_week_change_and_targets(serving_db: Path) -> None:
    at = open_page("overview")

    # W03 against W02: cases 5 vs 3; action median 6 vs 10; SLA 3/4 vs 1/3 = +41.67 pp; backlog at the end of
    # 01-19 vs 01-12: 5 vs 1; duplicates 1/5 vs 1/3 = −13.33 pp
    assert [m.delta for m in at.metric] == ["+2", "-4,0", "+41,7 điểm %", "+4", "-13,3 điểm %"]
    # down is good for time to action, backlog and duplicates; a change in cases is neither good nor bad
    assert [MetricProto.MetricColor.Name(m.proto.color) for m in at.metric] == [
        "GRAY",
        "GREEN",
        "GREEN",
        "RED",
        "GREEN",
    ]
    assert [MetricProto.MetricDirection.Name(m.proto.direction) for m in at.metric] == [
        "UP",
        "DOWN",
        "UP",
        "UP",
        "DOWN",
    ]
    assert "2025-W02" in at.metric[0].proto.delta_description
    assert "Mục tiêu: ≥ 90,0%" in at.metric[2].proto.help
    assert "Mục tiêu: ≤ 5,0%" in at.metric[4].proto.help
    captions = " ".join(c.value for c in at.caption)
    assert "tỷ lệ đạt SLA ≥ 90,0% (chưa đạt)" in captions
    assert "2025-W03 (13/01/2025 – 19/01/2025)" in captions

    en = open_page("overview", "en")
    assert [m.delta for m in en.metric] == ["+2", "-4.0", "+41.7 pp", "+4", "-13.3 pp"]


def test_overview_without_two_full_weeks_has_no_change(serving_db: Path) -> None:
    at = open_page("overview")
    days(date(2025, 1, 13), date(2025, 1, 19))(at)
    at.run()

    assert [m.delta for m in at.metric] == [""] * 5
    assert any("không so sánh theo tuần" in c.value.lower() for c in at.caption)


def test_trends_metric_and_period_can_be_chosen(serving_db: Path) -> None:
    at = open_page("trends", "en")

    weekly = table(at, "Period")
    assert weekly["Period"].to_list() == ["2025-W02", "2025-W03"]
    assert weekly["Cases"].to_list() == [3, 5]
    assert weekly["Median time to close (h)"].to_list() == [20.5, 19.0]  # (8 + 33) / 2 | 19
    assert weekly["SLA compliance (%)"].to_list() == [33.3, 75.0]
    assert weekly["Duplicate rate (%)"].to_list() == [33.3, 20.0]

    at.selectbox(key="trend_metric").set_value("median_action_h").run()
    assert at.metric[0].label == "Median time to action (h) · 2025-W03"
    assert (at.metric[0].value, at.metric[0].delta) == ("6.0", "-4.0")  # 6 vs 10

    at.segmented_control(key="trend_grain").set_value("month").run()
    assert not at.exception
    assert at.metric[0].label == "Median time to action (h) · 2025-01"
    assert (at.metric[0].value, at.metric[0].delta) == ("8.0", "")  # one month: nothing to compare
    assert table(at, "Period")["Cases"].to_list() == [8]


def test_scorecards_table_by_tier_with_the_network_median(serving_db: Path) -> None:
    at = open_page("scorecards", "en")

    result = table(at, "Agency")
    assert result["Agency"].to_list() == [
        "Cyber Security Monitoring Centre",
        "City Police",
        "Department of Information and Communications",
        "Network median",
    ]
    assert result["Tier"].to_list() == ["National", "City", "City", None]
    assert result["Cases"].to_list() == [0, 4, 4, 4]
    assert result["Median time to action (h)"].to_list()[1:] == [20.0, 6.0, 13.0]
    assert result["SLA compliance (%)"].to_list()[1:] == [66.7, 50.0, 58.3]
    assert result["Hand-offs sent"].to_list() == [0, 4, 3, 3]
    assert result["Hand-offs received"].to_list() == [3, 2, 2, 2]
    assert result["Median acknowledgement (h)"].to_list() == [2.0, 18.0, 2.8, 2.8]

    # the tier filter keeps the national agency and the (unchanged) network row
    at.multiselect(key="filter_tiers").set_value(["national"]).run()
    national = table(at, "Agency")
    assert national["Agency"].to_list() == ["Cyber Security Monitoring Centre", "Network median"]
    assert national["Median time to action (h)"].to_list() == [None, 13.0]


def test_coordination_tables(serving_db: Path) -> None:
    at = open_page("coordination", "en")

    stalled = table(at, "Case agency")
    assert stalled.select("Case agency", "Case ID", "From agency", "To agency").rows() == [
        ("A02", "P2", "City Police", "Cyber Security Monitoring Centre"),
        ("A01", "C4", "City Police", "Cyber Security Monitoring Centre"),
        ("A01", "C4", "Department of Information and Communications", "City Police"),
    ]
    assert stalled["Hours waiting"].to_list() == [163.0, 57.0, 30.0]
    assert stalled["Still waiting"].to_list() == [True, True, False]

    matrix = table(at, "From agency")
    assert matrix["Hand-offs"].sum() == 7
    assert matrix["Median acknowledgement (h)"].to_list() == [18.0, 2.0, 2.8, None]

    flow = table(at, "Branch")
    assert flow.rows() == [
        ("All cases", "Actioned", 6),
        ("All cases", "Open", 2),
        ("Handed off", "Actioned", 3),
        ("Handed off", "Open", 2),
        ("Not handed off", "Actioned", 3),
    ]
    duplicates = table(at, "ISO week")
    assert duplicates["Uncoordinated duplicates"].to_list() == [1, 1]
    assert duplicates["Duplicate rate (%)"].to_list() == [33.3, 20.0]


def test_platform_table(serving_db: Path) -> None:
    at = open_page("platforms", "vi")

    result = table(at, "Nền tảng")
    assert result["Nền tảng"].to_list() == ["Facebook", "Telegram", "Trang web", "YouTube", "Zalo", "Tổng"]
    assert result.row(0) == ("Facebook", 4, 1, 6.0, 23.6, 66.7)
    assert result.row(-1) == ("Tổng", 10, 1, 7.0, 25.2, 66.7)


def test_backlog_snapshot_table(serving_db: Path) -> None:
    at = open_page("backlog", "en")

    assert at.metric[0].label == "Open at the end of 2025-01-19"
    snapshot = table(at, "Age")
    assert snapshot.rows() == [
        ("Under 1 day", 1, 20.0),
        ("1–3 days", 0, 0.0),
        ("3–7 days", 3, 60.0),
        ("7–30 days", 1, 20.0),
        ("Over 30 days", 0, 0.0),
    ]
    by_day = table(at, "Day")
    assert by_day["Total"].to_list() == [1, 2, 1, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5]  # 01-07 .. 01-19


def test_hotspot_list_and_the_filters_that_do_not_apply(serving_db: Path) -> None:
    at = open_page("hotspots", "en")

    hotspots = at.dataframe[0].value
    assert list(hotspots["Category"]) == ["Phishing", "Phishing"]
    assert list(hotspots["New cases"]) == [14, 16]
    assert list(hotspots["Std devs above the mean"]) == [8.0, 4.5]
    # hotspots are network-wide: an agency filter changes nothing, a category filter does
    at.multiselect(key="filter_agencies").set_value(["A01"]).run()
    assert tiles(at) == TILES_EN["hotspots"]
    at.multiselect(key="filter_categories").set_value(["scam_fraud"]).run()
    assert tiles(at) == ["0", "0", "—"]
    assert any("No hotspot" in i.value for i in at.info)


def test_uncovered_public_responses_list_case_keys(serving_db: Path) -> None:
    at = open_page("public_responses", "vi")

    uncovered = table(at, "Mã đơn vị")
    assert uncovered.drop("Phát hiện lúc (giờ Việt Nam)").rows() == [
        ("A01", "C4", "Thông tin sai về thiên tai", 40000, 60.0)
    ]
    assert table(at, "Tuần ISO").rows()[0][2:] == (2, 2, 1, 50.0)  # eligible, window closed, covered, %


def test_filters_follow_the_reader_across_pages_and_languages(serving_db: Path) -> None:
    at = open_page("overview")
    at.multiselect(key="filter_agencies").set_value(["A02"]).run()
    days(date(2025, 1, 6), date(2025, 1, 12))(at)
    at.run()
    assert tiles(at)[0] == "1"  # A02 until 01-12: P1 (C2 is A01's)

    at.switch_page("leadership/platforms.py").run()
    assert not at.exception
    assert at.multiselect(key="filter_agencies").value == ["A02"]
    assert at.sidebar.date_input[0].value == (date(2025, 1, 6), date(2025, 1, 12))
    # A02's requests until 01-12: Q03 6 h (no violation), Q04 28 h (removed) → median 17, enforcement 1/2
    assert tiles(at) == ["2", "17,0", "25,8", "50,0%", "0"]

    at.segmented_control(key="lang").set_value("en").run()
    assert at.multiselect(key="filter_agencies").value == ["A02"]
    assert at.sidebar.date_input[0].value == (date(2025, 1, 6), date(2025, 1, 12))
    assert tiles(at) == ["2", "17.0", "25.8", "50.0%", "0"]

    at.switch_page("leadership/overview.py").run()
    assert tiles(at)[0] == "1"
    # clearing a filter is remembered too
    at.multiselect(key="filter_agencies").set_value([]).run()
    at.switch_page("leadership/coordination.py").run()
    assert at.multiselect(key="filter_agencies").value == []
    assert tiles(at)[0] == "3"  # hand-offs sent 01-06..01-12: R1, R2, R3


def test_exports_neutralise_formulas_in_names_and_case_keys() -> None:
    """Agency names and case keys come from agency files: a leading =, +, - or @ must not run in a spreadsheet."""
    stalled = pl.DataFrame(
        {
            "case_agency": ["A01"],
            "case_id": ['=HYPERLINK("http://evil.example","x")'],
            "from_agency": ["A01"],
            "to_agency": ["A02"],
            "sent_local": [None],
            "hours_waiting": [30.0],
            "still_waiting": [True],
        },
        schema_overrides={"sent_local": pl.Datetime("us")},
    )
    names = {"A01": "@SUM(A1:A9)", "A02": "-2+3"}

    csv = export.to_csv_bytes(charts.stalled_table(stalled, names, "en")).decode("utf-8-sig")

    assert '\'=HYPERLINK(""http://evil.example"",""x"")' in csv
    assert "'@SUM(A1:A9)" in csv
    assert "'-2+3" in csv
    assert ",30.0," in csv  # numbers stay numbers
