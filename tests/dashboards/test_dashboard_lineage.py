"""The lineage page and the KPI warning badges in Streamlit's AppTest, on the fixture serving copy (conftest.py).

Lineage figures come from the fixture: the eight cases are staged from batch b-cases (10 in, 8 loaded, 2 quarantined,
SHA-256 "b2" × 32), the first four platform requests from b-pa, the referrals from b-ref; the latest validation run
(run-0002) fails one expectation of staging.cases and one of staging.referrals; every batch is from January 2025,
so every source is stale today. For the badges, a *healthy* copy is derived from it (fresh batches, passing
validations) and then broken one way at a time.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import duckdb
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from concord import catalogue
from dashboards import i18n

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
OVERVIEW_TILES = ("kpi_cases", "kpi_tta", "kpi_sla", "kpi_backlog", "kpi_dup")


def open_lineage(lang: str, kpi: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["lang"] = lang
    at.run()
    if kpi is not None:
        at.query_params["kpi"] = kpi
    at.switch_page("auditor/lineage.py").run()
    return at


def table(at: AppTest, second_column: str) -> pl.DataFrame:
    for frame in at.dataframe:
        if list(frame.value.columns)[1] == second_column:
            return pl.from_pandas(frame.value)
    raise AssertionError(f"no table whose second column is {second_column!r}")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_lineage_page_renders_in_both_languages(serving_db: Path, lang: str) -> None:
    at = open_lineage(lang)

    assert not at.exception
    assert not at.error
    assert at.title[0].value == i18n.t("lineage_title", lang)
    first = catalogue.implemented()[0]
    assert at.selectbox(key="lineage_kpi").value == first.id
    assert at.subheader[0].value == i18n.METRIC_NAMES[first.id][lang]
    as_of = "20/01/2025 07:00 (UTC+07:00)" if lang == "vi" else "2025-01-20 07:00 (UTC+07:00)"
    assert any(as_of in c.value and "run-0001" in c.value for c in at.caption)
    definition = i18n.METRIC_DEFINITIONS_VI[first.id] if lang == "vi" else first.definition
    assert any(definition in m.value for m in at.markdown)
    downloads = [b.proto.label for b in at.get("download_button")]
    assert len(at.dataframe) == 2
    assert downloads == [i18n.t("download_csv", lang), i18n.t("download_xlsx", lang)] * 2


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_kpi_query_parameter_preselects_and_traces_to_files(serving_db: Path, lang: str) -> None:
    at = open_lineage(lang, kpi="sla_compliance")

    assert not at.exception
    assert at.selectbox(key="lineage_kpi").value == "sla_compliance"
    assert at.subheader[0].value == i18n.METRIC_NAMES["sla_compliance"][lang]
    assert any("`marts.case_facts`, `marts.kpi_daily`" in m.value for m in at.markdown)
    assert [m.value for m in at.metric] == ["2", "2", "12"]  # cases and platform actions; b-cases, b-pa; 8 + 4 rows

    validations = table(at, i18n.t("col_suite", lang))
    assert validations.rows() == [
        # staging.cases: latest validation run-0002, 1 of 3 expectations failed; platform_actions never validated
        ("staging.cases", "staging.cases", "run-0002", validations.item(0, 3), 3, 1, "❌"),
        ("staging.platform_actions", i18n.t("not_validated", lang), None, None, None, None, i18n.MISSING),
    ]
    batches = table(at, i18n.t("col_batch", lang)).drop(i18n.t("col_loaded_at", lang))
    assert batches.rows() == [
        ("staging.cases", "b-cases", "run-0001", "cases_2025-01-19.csv", "b2" * 32, 10, 8, 2, 8),
        ("staging.platform_actions", "b-pa", "run-0001", "platform_actions.csv", "d4" * 32, 6, 4, 1, 4),
    ]
    # the fixture's validations failed and its batches are old: the page says so
    warning = at.warning[0].value
    assert "`staging.cases`" in warning and "`cases`" in warning and "`platform_actions`" in warning


def test_picking_a_kpi_puts_it_in_the_url(serving_db: Path) -> None:
    at = open_lineage("en", kpi="sla_compliance")
    at.selectbox(key="lineage_kpi").set_value("handoff_ping_pong").run()

    assert not at.exception
    assert at.query_params["kpi"] == "handoff_ping_pong"
    assert at.subheader[0].value == "Hand-off ping-pong"
    assert table(at, "Batch")["Table"].to_list() == ["staging.referrals"]


def test_an_unknown_kpi_is_said_and_the_first_one_shown(serving_db: Path) -> None:
    at = open_lineage("en", kpi="no_such_kpi")

    assert not at.exception
    assert any("no_such_kpi" in w.value for w in at.warning)
    assert at.selectbox(key="lineage_kpi").value == catalogue.implemented()[0].id


def test_every_implemented_kpi_has_a_name_and_a_vietnamese_definition() -> None:
    ids = {m.id for m in catalogue.implemented()}
    assert ids <= set(i18n.METRIC_NAMES)
    assert ids <= set(i18n.METRIC_DEFINITIONS_VI)
    assert all(set(names) == {"vi", "en"} for names in i18n.METRIC_NAMES.values())
    texts = [*i18n.METRIC_DEFINITIONS_VI.values(), *(n for names in i18n.METRIC_NAMES.values() for n in names.values())]
    assert all(unicodedata.is_normalized("NFC", text) for text in texts)


# --- badges on the leadership tiles ----------------------------------------------------------------------


@pytest.fixture
def healthy_serving(serving_db: Path) -> Path:
    """The fixture copy made healthy: every source loaded a batch an hour ago, the latest validation run passed."""
    with duckdb.connect(str(serving_db)) as con:
        con.execute("UPDATE audit.batches SET loaded_at = now() - INTERVAL 1 HOUR")
        con.execute(
            """INSERT INTO audit.batches VALUES ('b-pr', 'run-0001', 'public_responses', 'responses.xml',
               repeat('f6', 32), 100, 'loaded', NULL, 1, 1, 0, [], now() - INTERVAL 1 HOUR)"""
        )
        con.execute("UPDATE audit.validations SET success = true")
    st.cache_data.clear()
    return serving_db


def badges(at: AppTest) -> dict[str, str]:
    """KPI id → target page of each badge's lineage link."""
    links = [link.proto for link in at.get("page_link")]
    return {link.query_string.removeprefix("kpi="): link.page for link in links}


def open_overview(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["lang"] = lang
    at.run()
    return at


def test_healthy_inputs_show_no_badge(healthy_serving: Path) -> None:
    at = open_overview()

    assert not at.exception
    assert badges(at) == {}
    assert not any(i18n.t("badge_label", "en") in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_failed_validation_badges_the_kpis_that_read_the_table(healthy_serving: Path, lang: str) -> None:
    with duckdb.connect(str(healthy_serving)) as con:
        con.execute(
            """UPDATE audit.validations SET success = false, unexpected_count = 1
               WHERE run_id = 'run-0002' AND table_name = 'staging.referrals' AND column_name = 'status'"""
        )
    st.cache_data.clear()
    at = open_overview(lang)

    assert not at.exception
    # Duplicates read referrals; case counts and the backlog read marts.case_facts, built from them too.
    # Time to action and SLA compliance read only cases and platform actions.
    assert set(badges(at)) == {"daily_case_counts", "backlog", "uncoordinated_duplicate"}
    assert set(badges(at).values()) == {"lineage"}  # the url path of the lineage page
    assert any(i18n.t("badge_label", lang) in m.value for m in at.markdown)
    reason = i18n.t("badge_short_failed", lang, table="staging.referrals", failed=1)
    assert any(reason in c.value for c in at.caption)
    full = i18n.t("badge_failed", lang, table="staging.referrals", failed=1, suite="staging.referrals")
    assert any(full in (m.proto.help or "") for m in at.markdown)  # the badge's tooltip


def test_an_anomalous_volume_badges_the_kpis_of_that_source(healthy_serving: Path) -> None:
    with duckdb.connect(str(healthy_serving)) as con:
        con.execute(
            """INSERT INTO audit.volume_checks VALUES
               ('run-0000', now() - INTERVAL 2 DAY, 'referrals', 5, 4, 700, 500, 900, 'anomalous', 'old run'),
               ('run-0001', now() - INTERVAL 1 HOUR, 'platform_actions', 4, 8, 400, 250, 550, 'anomalous',
                '4 rows, expected 250–550'),
               ('run-0001', now() - INTERVAL 1 HOUR, 'referrals', 7, 8, 7, 5, 9, 'ok', NULL),
               ('run-0001', now() - INTERVAL 1 HOUR, 'cases', 8, 1, NULL, NULL, NULL, 'no_history', NULL)"""
        )
    st.cache_data.clear()
    at = open_overview()

    assert not at.exception
    # Only the latest run counts (the older anomaly of referrals does not): platform actions feed time to action,
    # SLA compliance, and through marts.case_facts the case counts and the backlog; not the duplicates.
    assert set(badges(at)) == {"time_to_action", "sla_compliance", "daily_case_counts", "backlog"}
    assert any("`platform_actions`: anomalous volume" in c.value for c in at.caption)
    reason = i18n.t("badge_anomalous", "en", source="platform_actions", note="4 rows, expected 250–550")
    assert any(reason in (m.proto.help or "") for m in at.markdown)


def test_a_stale_source_badges_every_kpi_that_reads_it(healthy_serving: Path) -> None:
    with duckdb.connect(str(healthy_serving)) as con:
        con.execute("UPDATE audit.batches SET loaded_at = now() - INTERVAL 5 DAY WHERE source = 'cases'")
    st.cache_data.clear()
    at = open_overview()

    assert not at.exception
    assert set(badges(at)) == {
        "daily_case_counts",
        "time_to_action",
        "sla_compliance",
        "backlog",
        "uncoordinated_duplicate",
    }
    assert any("`cases`: stale (5.0 days)" in c.value for c in at.caption)
    full = "source `cases` is stale: newest batch 5.0 days old (limit 2.0 days)"
    assert any(full in (m.proto.help or "") for m in at.markdown)


def test_a_copy_without_volume_checks_still_shows_the_kpis(healthy_serving: Path) -> None:
    with duckdb.connect(str(healthy_serving)) as con:
        con.execute("DROP TABLE audit.volume_checks")  # as published before the table existed
    st.cache_data.clear()
    at = open_overview()

    assert not at.exception
    assert not at.error
    assert at.metric[0].value == "8"
    assert any("Could not check the health" in c.value for c in at.caption)
    assert badges(at) == {}


def test_the_fixture_copy_badges_every_overview_tile(serving_db: Path) -> None:
    """January 2025 batches are stale today and run-0002 failed two expectations: every tile says so."""
    at = open_overview("vi")

    assert not at.exception
    assert len(badges(at)) == len(OVERVIEW_TILES)
