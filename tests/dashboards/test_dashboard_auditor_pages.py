"""The auditor pages in Streamlit's AppTest: render in vi and en with hand-computed figures; the quarantine filters.

Figures come from the audit rows of the fixture in conftest.py (BATCHES_SQL, QUARANTINE_SQL, VALIDATIONS_SQL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from concord.serving import SERVED_TABLES
from dashboards import audit_data, i18n

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TITLES = {"data_quality": "dq_title", "quarantine": "quarantine_title", "reconciliation": "reconciliation_title"}
TILES = {
    # latest run run-0002: 5 expectations, 2 failed (severity, referral status): 3 / 5
    "data_quality": {"vi": ["5", "2", "60,0%"], "en": ["5", "2", "60.0%"]},
    # 4 quarantined rows; codes unknown_category, bad_severity, unknown_platform, malformed_json
    "quarantine": {"vi": ["4", "4"], "en": ["4", "4"]},
    # 5 batches; b-pa 6 ≠ 4 + 1; every source is stale against the 2025 fixture (public_responses never loaded)
    "reconciliation": {"vi": ["5", "1", "5 / 5"], "en": ["5", "1", "5 / 5"]},
}


def open_page(page: str, lang: str = "vi") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(f"auditor/{page}.py").run()
    return at


def table(at: AppTest, first_column: str, second_column: str | None = None) -> pl.DataFrame:
    for frame in at.dataframe:
        columns = list(frame.value.columns)
        if columns[0] == first_column and (second_column is None or columns[1] == second_column):
            return pl.from_pandas(frame.value)
    raise AssertionError(f"no table starts with {first_column!r}")


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", list(TITLES))
def test_auditor_page_renders_with_hand_computed_figures(serving_db: Path, page: str, lang: str) -> None:
    at = open_page(page, lang)

    assert not at.exception
    assert not at.error
    assert at.title[0].value == i18n.t(TITLES[page], lang)
    assert [m.value for m in at.metric] == TILES[page][lang]
    as_of = "20/01/2025 07:00 (UTC+07:00)" if lang == "vi" else "2025-01-20 07:00 (UTC+07:00)"
    assert any(as_of in c.value and "run-0001" in c.value for c in at.caption)
    downloads = [b.proto.label for b in at.get("download_button")]
    assert at.dataframe
    assert downloads == [i18n.t("download_csv", lang), i18n.t("download_xlsx", lang)] * len(at.dataframe)


def test_data_quality_tables(serving_db: Path) -> None:
    at = open_page("data_quality", "en")

    suites = table(at, "Suite", "Table")
    assert suites.rows() == [
        ("staging.cases", "staging.cases", 3, 1, 66.7),
        ("staging.referrals", "staging.referrals", 2, 1, 50.0),
    ]
    trend = table(at, "Run")
    assert trend["Pass rate (%)"].to_list() == [100.0, 100.0, 66.7, 50.0]
    failing = next(pl.from_pandas(f.value) for f in at.dataframe if "Expectation" in f.value.columns)
    assert failing["Column"].to_list() == ["severity", "status"]
    assert failing["Why"].to_list()[0] == "Severity runs from 1 (low) to 4 (critical)."
    assert any("data_docs" in m.value and "index.html" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("quarantine_sources", ["cases"], ["2", "3"]),  # X1 (unknown_category), X2 (bad_severity, unknown_platform)
        ("quarantine_batches", ["b-ref"], ["1", "1"]),
        ("quarantine_reasons", ["unknown_platform"], ["2", "2"]),  # X2 and Q99; X2 also carries bad_severity
    ],
)
def test_quarantine_filters_change_the_count(serving_db: Path, key: str, value: list[str], expected: list[str]) -> None:
    at = open_page("quarantine", "en")
    at.multiselect(key=key).set_value(value).run()

    assert not at.exception
    assert [m.value for m in at.metric] == expected
    assert table(at, "Source")["Batch"].len() == int(expected[0])


def test_quarantine_rows_and_reason_counts(serving_db: Path) -> None:
    at = open_page("quarantine", "en")

    reasons = table(at, "Reason code")
    assert reasons.rows()[0] == ("unknown_platform", 2)
    assert reasons["Rows"].sum() == 5
    rows = table(at, "Source")
    assert rows.row(0)[:4] == ("cases", "b-cases", 3, "unknown_category")
    assert rows["Reason codes"].to_list()[1] == "bad_severity, unknown_platform"
    assert '"platform":"=cmd"' in rows["Raw row (JSON)"].to_list()[2].replace(" ", "")


def test_every_quarantined_row_is_reachable_a_page_at_a_time(serving_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_data, "QUARANTINE_PAGE_ROWS", 3)  # 4 rows → 2 pages
    at = open_page("quarantine", "en")
    first_page = table(at, "Source")
    assert first_page.height == 3

    at.number_input(key="quarantine_page").set_value(2).run()

    second_page = table(at, "Source")
    assert second_page.height == 1
    assert not at.exception
    seen = pl.concat([first_page, second_page]).select("Batch", "Row number").rows()
    assert len(set(seen)) == 4
    assert any("Rows 4–4 of 4 (page 2 of 2" in c.value for c in at.caption)


def test_a_picked_page_beyond_the_filtered_rows_falls_back_to_the_last(
    serving_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_data, "QUARANTINE_PAGE_ROWS", 1)  # 4 rows → 4 pages
    at = open_page("quarantine", "en")
    at.number_input(key="quarantine_page").set_value(4).run()

    at.multiselect(key="quarantine_sources").select("cases").run()  # 2 rows → 2 pages

    assert not at.exception
    assert at.number_input(key="quarantine_page").value == 2
    assert table(at, "Source").height == 1


def test_reconciliation_tables(serving_db: Path) -> None:
    at = open_page("reconciliation", "en")

    runs = table(at, "Run", "Run status")
    assert runs.select("Run", "Batches", "Rows in", "Rows loaded", "Rows quarantined").rows() == [
        ("run-0002", 1, 0, 0, 0),
        ("run-0001", 4, 27, 22, 4),
    ]
    assert runs["Balanced (in = loaded + quarantined)"].to_list() == ["✅", "❌"]
    batches = table(at, "Run", "Source")
    assert (
        batches.filter(pl.col("File") == "platform_actions.csv")["Balanced (in = loaded + quarantined)"].item() == "❌"
    )
    assert batches["SHA-256 (short)"].to_list()[-1] == "a1" * 6


# Volume checks of two runs; the page shows only the latest (run-0002), anomalies first.
VOLUME_CHECKS_SQL = """
INSERT INTO audit.volume_checks VALUES
  ('run-0001', '2025-01-20 00:07:40+00', 'cases', 8, 0, NULL, NULL, NULL, 'no_history',
   '0 earlier runs with deliveries, 3 needed'),
  ('run-0002', '2025-01-21 00:05:40+00', 'agencies', 0, 4, 3, 0, 7, 'no_delivery', 'no new file this run'),
  ('run-0002', '2025-01-21 00:05:40+00', 'cases', 0, 5, 100, 60, 140, 'anomalous',
   '0 rows loaded, below the lower bound 60 (median 100 of 5 earlier runs)'),
  ('run-0002', '2025-01-21 00:05:40+00', 'referrals', 70, 5, 70, 30, 110, 'ok', NULL);
"""


@pytest.fixture
def volume_checks(serving_db: Path) -> Path:
    with duckdb.connect(str(serving_db)) as con:
        con.execute(VOLUME_CHECKS_SQL)
    return serving_db


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_reconciliation_shows_the_latest_volume_checks(volume_checks: Path, lang: str) -> None:
    at = open_page("reconciliation", lang)

    assert not at.exception
    assert any(s.value == i18n.t("volume_title", lang) for s in at.subheader)
    volumes = table(at, i18n.t("source", lang), i18n.t("col_status", lang))
    assert volumes.rows() == [
        (
            "cases",
            i18n.t("volume_status_anomalous", lang),
            0,
            5,
            100.0,
            60.0,
            140.0,
            "0 rows loaded, below the lower bound 60 (median 100 of 5 earlier runs)",
        ),
        ("agencies", i18n.t("volume_status_no_delivery", lang), 0, 4, 3.0, 0.0, 7.0, "no new file this run"),
        ("referrals", i18n.t("volume_status_ok", lang), 70, 5, 70.0, 30.0, 110.0, None),
    ]
    assert any("run-0002" in c.value and "audit.volume_checks" in c.value for c in at.caption)
    downloads = [b.proto.label for b in at.get("download_button")]
    assert downloads == [i18n.t("download_csv", lang), i18n.t("download_xlsx", lang)] * len(at.dataframe)


def test_reconciliation_says_when_there_are_no_volume_checks(serving_db: Path) -> None:
    at = open_page("reconciliation", "en")

    assert [i.value for i in at.info] == [i18n.t("volume_none", "en")]


def test_freshness_limits_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCORD_FRESHNESS_LIMITS_H", '{"cases": 100}')
    monkeypatch.setenv("CONCORD_FRESHNESS_DEFAULT_H", "1")
    newest = {"cases": datetime(2025, 1, 17, tzinfo=UTC), "referrals": datetime(2025, 1, 19, 12, tzinfo=UTC)}

    fresh = audit_data.freshness(newest, datetime(2025, 1, 20, tzinfo=UTC))

    # cases: 72 h old, limit 100 h; referrals: 12 h old, the default limit 1 h.
    assert fresh.select("source", "limit_days", "stale").rows() == [
        ("cases", 100 / 24, False),
        ("referrals", 1 / 24, True),
    ]
    assert audit_data.freshness_limit("agencies") == timedelta(hours=1)


def test_freshness_against_the_per_source_limits() -> None:
    newest = {
        "agencies": datetime(2025, 1, 1, tzinfo=UTC),  # 19 days old, limit 30: fresh
        "cases": datetime(2025, 1, 17, tzinfo=UTC),  # 3 days old, limit 2: stale
        "referrals": datetime(2025, 1, 19, 12, tzinfo=UTC),  # 0.5 days: fresh
        "extra_feed": datetime(2025, 1, 19, tzinfo=UTC),  # not configured: default 2 days, fresh
    }
    fresh = audit_data.freshness(newest, datetime(2025, 1, 20, tzinfo=UTC))

    assert dict(fresh.select("source", "stale").iter_rows()) == {
        "agencies": False,
        "cases": True,
        "extra_feed": False,
        "platform_actions": True,  # never loaded
        "public_responses": True,
        "referrals": False,
    }
    assert fresh.filter(pl.col("source") == "cases")["age_days"].item() == 3.0


def test_quarantine_rows_are_served() -> None:
    assert "quarantine.rows" in SERVED_TABLES
