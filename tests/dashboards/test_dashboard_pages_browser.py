"""Every dashboard page (leadership, auditor, engineer) in a real headless Chromium, in Vietnamese and English, against one `streamlit run`.

Each page must render without a browser-console error, page error or failed request (nothing may be fetched from
the internet), show a figure equal to a direct DuckDB query on the serving file (formatted the page's way), show
"data as of" and draw its chart. A screenshot of each page goes to ``tests/output/`` (gitignored).

Pages are opened the way a reader does: the app's address, then the sidebar navigation. (Opening a page's own
address directly makes Streamlit's frontend probe ``/<page>/_stcore/health`` and ``host-config`` to find its
base path; those two 404s are Streamlit's, logged as console errors, and would hide real ones.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from concord.warehouse import connect
from dashboards import i18n

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "tests" / "output"
METRIC_VALUE = '[data-testid="stMetricValue"]'
CHART = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
TZ = "Asia/Ho_Chi_Minh"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"),
]


@dataclass(frozen=True)
class Check:
    """One page: its URL path, title key, and a tile whose value a direct query on the serving file must give."""

    nav_key: str  # the page's label in the sidebar navigation
    title_key: str
    tile: int  # index of the tile on the page
    sql: str  # one value, straight from the marts
    kind: str  # how the page formats it: int, number or percent


CHECKS = {
    "overview": Check("page_overview", "overview_title", 0, "SELECT sum(cases_detected) FROM marts.kpi_daily", "int"),
    "trends": Check(
        "page_trends",
        "trends_title",
        0,
        f"""SELECT count(*) FROM marts.case_facts
            GROUP BY date_trunc('week', timezone('{TZ}', detected_at)) ORDER BY 1 DESC LIMIT 1""",
        "int",
    ),
    "scorecards": Check(
        "page_scorecards",
        "scorecards_title",
        0,
        """SELECT quantile_cont(m, 0.5) FROM (
               SELECT agency_code, quantile_cont(time_to_action_h, 0.5) AS m FROM marts.case_facts GROUP BY 1)""",
        "number",
    ),
    "coordination": Check("page_coordination", "coordination_title", 0, "SELECT count(*) FROM marts.handoffs", "int"),
    "platforms": Check(
        "page_platforms",
        "platforms_title",
        1,
        "SELECT quantile_cont(response_h, 0.5) FROM marts.platform_requests",
        "number",
    ),
    "backlog": Check(
        "page_backlog",
        "backlog_title",
        0,
        "SELECT sum(open_cases) FROM marts.backlog_daily WHERE day = (SELECT max(day) FROM marts.kpi_daily)",
        "int",
    ),
    "hotspots": Check("page_hotspots", "hotspots_title", 0, "SELECT count_if(is_hotspot) FROM marts.hotspots", "int"),
    "public_responses": Check(
        "page_public",
        "public_title",
        1,
        "SELECT count_if(covered_within_48h) / count(*) FROM marts.public_response_coverage",
        "percent",
    ),
    "data_quality": Check(
        "page_data_quality",
        "dq_title",
        1,
        """SELECT count_if(NOT success) FROM audit.validations
           WHERE run_id = (SELECT run_id FROM audit.validations ORDER BY validated_at DESC LIMIT 1)""",
        "int",
    ),
    "quarantine": Check("page_quarantine", "quarantine_title", 0, "SELECT count(*) FROM quarantine.rows", "int"),
    "reconciliation": Check(
        "page_reconciliation",
        "reconciliation_title",
        1,
        "SELECT count_if(rows_in <> rows_loaded + rows_quarantined) FROM audit.batches",
        "int",
    ),
}


def served_value(serving: Path, sql: str) -> float:
    """One value read straight from the serving file, not through the dashboard code."""
    with duckdb.connect(str(serving), read_only=True) as con:
        return float(con.execute(sql).fetchall()[0][0])


def formatted(value: float, kind: str, lang: str) -> str:
    if kind == "int":
        return i18n.fmt_int(value, lang)
    if kind == "percent":
        return i18n.fmt_percent(value, lang)
    return i18n.fmt_number(value, lang)


@dataclass
class Served:
    url: str
    serving: Path
    context: Any  # playwright BrowserContext
    errors: list[str]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
    streamlit_server: Callable[[dict[str, str], Path], AbstractContextManager[str]],
    chromium_context: Callable[[], AbstractContextManager[tuple[Any, list[str]]]],
    fixture_rows_for_module: Callable[[duckdb.DuckDBPyConnection], None],
) -> Iterator[Served]:
    """One dashboard server on the fixture serving copy and one browser for every page of this module."""
    folder = tmp_path_factory.mktemp("pages")
    serving = folder / "concord.serving.duckdb"
    con = connect(serving)
    try:
        fixture_rows_for_module(con)
    finally:
        con.close()
    with (
        # No Prefect server here (the engineer page must say so); tests/dashboards/test_dashboard_engineer_pages.py
        # drives the page against one.
        streamlit_server({"CONCORD_SERVING": str(serving), "PREFECT_API_URL": ""}, folder / "streamlit.log") as url,
        chromium_context() as (context, errors),
    ):
        yield Served(url, serving, context, errors)


@pytest.fixture(scope="module")
def tabs(served: Served) -> Iterator[dict[str, Any]]:
    """One browser tab per language, opened at the app's address and kept for every page of that language."""
    opened: dict[str, Any] = {}
    yield opened
    for tab in opened.values():
        tab.close()


def tab_for(served: Served, tabs: dict[str, Any], lang: str) -> Any:
    from playwright.sync_api import expect

    if lang not in tabs:
        tab = served.context.new_page()
        # Streamlit scrolls inside its own container, so a "full page" shot is one viewport: make it tall.
        tab.set_viewport_size({"width": 1440, "height": 2600})
        tab.goto(f"{served.url}/?lang={lang}")
        expect(tab.locator(METRIC_VALUE).first).to_be_visible(timeout=30_000)
        tabs[lang] = tab
    return tabs[lang]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", list(CHECKS))
def test_page_in_a_real_browser(served: Served, tabs: dict[str, Any], name: str, lang: str) -> None:
    from playwright.sync_api import expect

    check = CHECKS[name]
    served.errors.clear()
    page = tab_for(served, tabs, lang)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=i18n.t(check.nav_key, lang)).click()

    expect(page.get_by_role("heading", name=i18n.t(check.title_key, lang)).first).to_be_visible(timeout=30_000)
    expected = formatted(served_value(served.serving, check.sql), check.kind, lang)
    expect(page.locator(METRIC_VALUE).nth(check.tile)).to_have_text(expected, timeout=30_000)
    as_of = "20/01/2025 07:00 (UTC+07:00)" if lang == "vi" else "2025-01-20 07:00 (UTC+07:00)"
    expect(page.get_by_text(as_of, exact=False).first).to_be_visible()
    expect(page.locator(CHART).first).to_be_visible(timeout=30_000)
    if name == "reconciliation":  # the volume section renders (the fixture has no volume checks: it says so)
        expect(page.get_by_role("heading", name=i18n.t("volume_title", lang)).first).to_be_visible()
        expect(page.get_by_text(i18n.t("volume_none", lang)).first).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_load_state("networkidle")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"dashboard_{name}_{lang}.png"), full_page=True)
    assert served.errors == [], served.errors


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_engineer_page_without_prefect_in_a_real_browser(served: Served, tabs: dict[str, Any], lang: str) -> None:
    """No PREFECT_API_URL: the page says so in the reader's language and still draws source health."""
    from playwright.sync_api import expect

    served.errors.clear()
    page = tab_for(served, tabs, lang)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=i18n.t("page_operations", lang)).click()

    expect(page.get_by_role("heading", name=i18n.t("ops_title", lang)).first).to_be_visible(timeout=30_000)
    warning = page.locator('[data-testid="stAlertContentWarning"]').first
    expect(warning).to_contain_text("PREFECT_API_URL", timeout=30_000)
    expect(warning).to_contain_text(i18n.t("prefect_not_configured", lang).split("`")[0].strip())
    expect(page.get_by_role("heading", name=i18n.t("source_health_title", lang)).first).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"] canvas').first).to_be_visible(timeout=30_000)
    as_of = "20/01/2025 07:00 (UTC+07:00)" if lang == "vi" else "2025-01-20 07:00 (UTC+07:00)"
    expect(page.get_by_text(as_of, exact=False).first).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_load_state("networkidle")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"dashboard_operations_no_prefect_{lang}.png"), full_page=True)
    assert served.errors == [], served.errors


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_badge_leads_to_the_lineage_of_its_kpi(served: Served, tabs: dict[str, Any], lang: str) -> None:
    """On the fixture copy every overview tile carries a badge (stale batches, run-0002's failures): the SLA tile's
    link opens the lineage page on SLA compliance, whose batches and files match a direct query on the serving file."""
    from playwright.sync_api import expect

    served.errors.clear()
    page = tab_for(served, tabs, lang)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=i18n.t("page_overview", lang)).click()
    expect(page.get_by_role("heading", name=i18n.t("overview_title", lang)).first).to_be_visible(timeout=30_000)
    links = page.locator('[data-testid="stPageLink-NavLink"]')
    expect(links).to_have_count(5, timeout=30_000)  # one per overview tile
    links.nth(2).click()  # the third tile: SLA compliance

    name = i18n.METRIC_NAMES["sla_compliance"][lang]
    expect(page.get_by_role("heading", name=i18n.t("lineage_title", lang)).first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name=name).first).to_be_visible(timeout=30_000)
    assert "kpi=sla_compliance" in page.url
    tables = "('staging.cases', 'staging.platform_actions')"
    rows = served_value(served.serving, f"SELECT sum(rows) FROM audit.lineage WHERE table_name IN {tables}")
    expect(page.locator(METRIC_VALUE).nth(2)).to_have_text(formatted(rows, "int", lang), timeout=30_000)
    with duckdb.connect(str(served.serving), read_only=True) as con:
        sha = con.execute(
            f"""SELECT file_sha256 FROM audit.batches JOIN audit.lineage USING (batch_id)
                WHERE table_name IN {tables} ORDER BY loaded_at DESC LIMIT 1"""
        ).fetchall()[0][0]
    # The batches table is a canvas grid; the grid's hidden accessibility table carries the full SHA-256.
    cell = page.locator('[data-testid="stDataFrame"] td[role="gridcell"]').filter(has_text=sha)
    expect(cell.first).to_be_attached(timeout=30_000)
    as_of = "20/01/2025 07:00 (UTC+07:00)" if lang == "vi" else "2025-01-20 07:00 (UTC+07:00)"
    expect(page.get_by_text(as_of, exact=False).first).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_load_state("networkidle")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"dashboard_lineage_{lang}.png"), full_page=True)
    assert served.errors == [], served.errors


def test_a_filter_follows_the_reader_to_another_page(served: Served) -> None:
    """Pick an agency on the overview, open Coordination from the sidebar: the filter and its effect stay."""
    from playwright.sync_api import expect

    served.errors.clear()
    page = served.context.new_page()
    try:
        page.goto(f"{served.url}/?lang=en")
        tiles = page.locator(METRIC_VALUE)
        expect(tiles.first).to_have_text("8", timeout=30_000)
        agency = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Agency").first
        agency.locator("input").fill("City Police")
        agency.locator("input").press("Enter")
        expect(tiles.first).to_have_text("4", timeout=30_000)  # A02 = P1..P4

        page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Coordination").click()
        expect(page.get_by_role("heading", name="Coordination between agencies").first).to_be_visible(timeout=30_000)
        # hand-offs with A02 on either side: R2..R7 = 6 (of 7)
        expect(page.locator(METRIC_VALUE).first).to_have_text("6", timeout=30_000)
        expect(page.locator('[data-testid="stMultiSelect"]').filter(has_text="City Police").first).to_be_visible()
    finally:
        page.close()
    assert served.errors == [], served.errors
