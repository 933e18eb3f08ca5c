"""The real thing: `streamlit run dashboards/app.py` in a subprocess, driven by headless Chromium.

While the dashboard serves, a "pipeline" keeps the warehouse open read-write (DuckDB's exclusive lock)
and republishes the serving copy the way `concord.serving.publish` does, during page reloads. The
dashboard must keep rendering, never need the warehouse, never stop a publish, and show the new
numbers after a reload.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from concord.serving import publish
from concord.settings import serving_path
from concord.warehouse import connect
from dashboards import i18n

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO / "tests" / "output"
METRIC_VALUE = '[data-testid="stMetricValue"]'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"),
]


@dataclass
class Pipeline:
    """A stand-in for a running flow: holds the warehouse open read-write and republishes the serving copy."""

    con: duckdb.DuckDBPyConnection
    serving: Path
    warehouse: Path
    publish_seconds: list[float] = field(default_factory=list)

    def publish_with_extra_cases(self, extra: int, run: int) -> None:
        """Replace the serving copy with the fixture plus ``extra`` cases and a new completed run."""
        self.con.execute("DELETE FROM marts.kpi_daily WHERE agency_code = 'A03'")
        self.con.execute(
            "INSERT INTO marts.kpi_daily VALUES ('2025-01-19', 'A03', 'other', 1, 'other', ?, 0, 0, 0, 0, 0, 0, now())",
            [extra],
        )
        self.con.execute(
            "INSERT INTO audit.runs (run_id, started_at, finished_at, as_of, status, code_version, inbox) VALUES (?, now(), now(), '2025-01-21 00:00:00+00', 'completed', 'test', 'inbox')",
            [f"run-{1000 + run}"],
        )
        started = time.perf_counter()
        publish(self.con, self.serving)
        self.publish_seconds.append(time.perf_counter() - started)

    def serving_cases(self) -> int:
        """Cases in the published copy, read straight from the file (not through the dashboard code)."""
        con = duckdb.connect(str(self.serving), read_only=True)
        try:
            return con.execute("SELECT sum(cases_detected) FROM marts.kpi_daily").fetchall()[0][0]
        finally:
            con.close()


@pytest.fixture
def pipeline(tmp_path: Path, fixture_rows: Callable[[duckdb.DuckDBPyConnection], None]) -> Iterator[Pipeline]:
    warehouse = tmp_path / "concord.duckdb"
    con = connect(warehouse)
    fixture_rows(con)
    serving = publish(con, serving_path(warehouse))
    try:
        yield Pipeline(con, serving, warehouse)
    finally:
        con.close()


@pytest.fixture
def dashboard_url(
    pipeline: Pipeline,
    tmp_path: Path,
    streamlit_server: Callable[[dict[str, str], Path], AbstractContextManager[str]],
) -> Iterator[str]:
    """`streamlit run` on a free port, healthy before the test starts, always torn down after it."""
    env = {
        "CONCORD_SERVING": str(pipeline.serving),
        # locked by the pipeline: the dashboard must never open it
        "CONCORD_DB": str(pipeline.warehouse),
    }
    with streamlit_server(env, tmp_path / "streamlit.log") as url:
        yield url


@pytest.fixture
def browser(
    chromium_context: Callable[[], AbstractContextManager[tuple[object, list[str]]]],
) -> Iterator[tuple[object, list[str]]]:
    """A Chromium browser context and the list its console errors, page errors and failed requests go to."""
    with chromium_context() as (context, errors):
        yield context, errors


def test_overview_in_a_real_browser_never_blocks_the_pipeline(
    dashboard_url: str, pipeline: Pipeline, browser: tuple[object, list[str]]
) -> None:
    from playwright.sync_api import BrowserContext, expect

    context, errors = browser
    assert isinstance(context, BrowserContext)
    page = context.new_page()
    tiles = page.locator(METRIC_VALUE)

    # 1. The page shows what the serving file holds, formatted the Vietnamese way.
    page.goto(dashboard_url)
    expected = i18n.fmt_int(pipeline.serving_cases(), "vi")
    expect(tiles.first).to_have_text(expected, timeout=30_000)
    expect(tiles).to_have_count(5)
    assert tiles.all_inner_texts() == ["8", "8,0", "57,1%", "5", "25,0%"]
    expect(page.get_by_text("20/01/2025 07:00 (UTC+07:00)", exact=False).first).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    expect(
        page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first
    ).to_be_visible(timeout=30_000)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "dashboard_overview.png"), full_page=True)

    # 2. A second tab stays open while the first reloads and the pipeline republishes under it.
    held = context.new_page()
    held.goto(f"{dashboard_url}/?lang=en")
    expect(held.locator(METRIC_VALUE).first).to_have_text("8", timeout=30_000)
    for run in range(2, 8):
        # don't wait for the page: the dashboard is opening and querying the copy while we publish
        page.reload(wait_until="commit")
        pipeline.publish_with_extra_cases(extra=run * 100, run=run)
        expect(tiles.first).to_be_visible(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
    assert max(pipeline.publish_seconds) < 5, pipeline.publish_seconds

    # 3. After the last publish a reload shows the new numbers, in both tabs.
    pipeline.publish_with_extra_cases(extra=1226, run=99)
    assert pipeline.serving_cases() == 1234
    page.reload()
    expect(tiles.first).to_have_text(i18n.fmt_int(pipeline.serving_cases(), "vi"), timeout=30_000)
    expect(tiles.first).to_have_text("1.234")
    expect(page.get_by_text("run-1099", exact=False).first).to_be_visible()
    held.reload()
    expect(held.locator(METRIC_VALUE).first).to_have_text("1,234", timeout=30_000)

    assert errors == []
