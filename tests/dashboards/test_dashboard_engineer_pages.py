"""The engineer page in Streamlit's AppTest, in vi and en: against a real Prefect server (the session test harness)
with a scheduled deployment, a completed run and a failed one; and with no Prefect server configured or reachable,
where it must say so and still show source health from the serving copy.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from concord.warehouse import connect
from dashboards import i18n

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboards" / "app.py"
PAGE = "engineer/operations.py"
SCREENSHOT_DIR = REPO / "tests" / "output"
FAILURE = "bad inbox: 3 files unreadable"


def open_page(lang: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    return at


def table_with(at: AppTest, column: str) -> pl.DataFrame:
    """The first table of the page with a column named ``column``."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return pl.from_pandas(frame.value)
    raise AssertionError(f"no table has a column {column!r}")


def assert_source_health_shown(at: AppTest, lang: str) -> None:
    """The serving-copy half of the page: data as of, per-source health and the rejected file, with exports."""
    as_of = "20/01/2025 07:00 (UTC+07:00)" if lang == "vi" else "2025-01-20 07:00 (UTC+07:00)"
    assert any(as_of in c.value and "run-0001" in c.value for c in at.caption)
    health = table_with(at, i18n.t("col_newest_file", lang))
    assert health[i18n.t("source", lang)].to_list() == [
        "agencies",
        "cases",
        "platform_actions",
        "public_responses",
        "referrals",
    ]
    rejected = table_with(at, i18n.t("col_rejected_at", lang))
    assert rejected.select(i18n.t("col_file", lang), i18n.t("col_reason", lang)).rows() == [
        ("cases_bad.csv", "missing column case_id")
    ]
    downloads = [b.proto.label for b in at.get("download_button")]
    assert downloads == [i18n.t("download_csv", lang), i18n.t("download_xlsx", lang)] * len(at.dataframe)


# --- without a Prefect server ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_without_prefect_api_url_the_page_says_so_and_shows_source_health(
    serving_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)

    at = open_page(lang)

    assert not at.exception
    assert not at.error
    assert at.title[0].value == i18n.t("ops_title", lang)
    assert [w.value for w in at.warning] == [i18n.t("prefect_not_configured", lang)]
    assert_source_health_shown(at, lang)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_unreachable_prefect_server_is_named_quickly_and_source_health_still_shows(
    serving_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    monkeypatch.setenv("PREFECT_API_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()

    started = time.monotonic()
    at.switch_page(PAGE).run()
    elapsed = time.monotonic() - started

    assert not at.exception
    assert not at.error
    (warning,) = at.warning
    head = i18n.t("prefect_unreachable", lang, url=url, detail="").split("()")[0]
    assert warning.value.startswith(head)
    assert "ConnectError" in warning.value
    assert elapsed < 5, f"the page took {elapsed:.1f} s"  # ~2 s budget for Prefect, plus rendering on a busy CI box
    assert_source_health_shown(at, lang)


def test_the_leadership_pages_and_the_engineer_data_module_do_not_import_prefect() -> None:
    """Importing Prefect costs seconds: only a configured engineer page may pay for it."""
    code = (
        "import sys; import dashboards.data, dashboards.components, dashboards.audit_data, dashboards.engineer_data;"
        "assert 'prefect' not in sys.modules, sorted(m for m in sys.modules if m.startswith('prefect'))[:5]"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, timeout=120)


# --- against a real Prefect server (the session test harness) -------------------------------------------


@dataclass(frozen=True)
class Prefected:
    api_url: str
    ok_run: str
    broken_run: str


@pytest.fixture(scope="module")
def prefected(prefect_harness: None) -> Iterator[Prefected]:
    """Two deployments with schedules (scheduled ahead by the server), one completed flow run and one failed."""
    from prefect import flow, task
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.settings import PREFECT_API_URL

    @task
    def read_inbox(files: int) -> int:
        if files > 2:
            raise ValueError(FAILURE)
        return files

    @flow(name="eng-test-ingest")
    def ingest(files: int = 1) -> int:
        return read_inbox(files)

    @flow(name="eng-test-metrics")
    def metrics() -> None:
        return None

    api_url = str(PREFECT_API_URL.value())
    ingest.to_deployment(name="eng-ingest", interval=timedelta(minutes=15)).apply()
    metrics.to_deployment(
        name="eng-metrics", schedules=[CronSchedule(cron="0 * * * *", timezone="Asia/Ho_Chi_Minh")]
    ).apply()
    with get_client(sync_client=True) as client:
        for deployment in client.read_deployments():
            # What Prefect's scheduler service does on its own loop: create the upcoming runs of the schedules.
            httpx.post(f"{api_url}/deployments/{deployment.id}/schedule", json={}, timeout=30).raise_for_status()
    ok = ingest(files=1, return_state=True)
    broken = ingest(files=3, return_state=True)
    assert ok.is_completed() and broken.is_failed()
    with get_client(sync_client=True) as client:
        ok_run = client.read_flow_run(ok.state_details.flow_run_id).name
        broken_run = client.read_flow_run(broken.state_details.flow_run_id).name
    yield Prefected(api_url, ok_run, broken_run)


@pytest.mark.prefect
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_page_shows_runs_schedules_next_runs_and_the_last_failure(
    prefected: Prefected, serving_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    # The harness sets the URL in Prefect's settings context; the page reads the environment, as under `concord serve`.
    monkeypatch.setenv("PREFECT_API_URL", prefected.api_url)

    at = open_page(lang)

    assert not at.exception
    assert not at.warning
    assert any(prefected.api_url in c.value for c in at.caption)
    runs = table_with(at, i18n.t("col_parameters", lang))
    by_name = {row[i18n.t("col_run_name", lang)]: row for row in runs.iter_rows(named=True)}
    assert by_name[prefected.ok_run][i18n.t("col_state", lang)] == i18n.state_label("COMPLETED", lang)
    assert by_name[prefected.broken_run][i18n.t("col_state", lang)] == i18n.state_label("FAILED", lang)
    assert by_name[prefected.broken_run][i18n.t("col_parameters", lang)] == "files=3"
    assert by_name[prefected.ok_run][i18n.t("col_flow", lang)] == "eng-test-ingest"
    assert by_name[prefected.ok_run][i18n.t("col_duration_s", lang)] >= 0

    deployments = table_with(at, i18n.t("col_schedule", lang))
    schedules = dict(
        zip(deployments[i18n.t("col_deployment", lang)], deployments[i18n.t("col_schedule", lang)], strict=True)
    )
    assert schedules["eng-ingest"] == i18n.t("every_minute", lang, n=15)
    assert schedules["eng-metrics"] == "cron 0 * * * * (Asia/Ho_Chi_Minh)"
    assert deployments[i18n.t("col_next_run", lang)].null_count() == 0
    assert deployments[i18n.t("col_paused", lang)].to_list() == [i18n.t("no", lang)] * 2
    # tiles: the runs and failed runs the table lists (the harness is shared by the session, so other tests' runs may
    # be there too), deployments (none paused), the next run's local time (HH:MM)
    values = [m.value for m in at.metric]
    failed = runs.filter(pl.col(i18n.t("col_state", lang)) == i18n.state_label("FAILED", lang)).height
    assert values[:3] == [str(runs.height), str(failed), f"{deployments.height} (0)"]
    assert runs.height >= 2 and failed >= 1
    assert re.fullmatch(r"\d\d:\d\d", values[3]), values[3]
    scheduled = table_with(at, i18n.t("col_expected_start", lang))
    assert {"eng-ingest", "eng-metrics"} <= set(scheduled[i18n.t("col_deployment", lang)])

    (error,) = at.error
    assert "eng-test-ingest" in error.value and prefected.broken_run in error.value
    assert any(FAILURE in c.value for c in at.code)
    failure = table_with(at, i18n.t("col_kind", lang))
    assert failure[i18n.t("col_kind", lang)].to_list() == [
        i18n.t("kind_flow_run", lang),
        i18n.t("kind_task_run", lang),
    ]
    assert FAILURE in failure[i18n.t("col_message", lang)][1]
    assert_source_health_shown(at, lang)


@pytest.mark.prefect
def test_the_run_filters_narrow_the_table(
    prefected: Prefected, serving_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", prefected.api_url)
    at = open_page("en")

    # The session's Prefect server also holds other tests' runs (some fail on purpose): narrow to this test's flows.
    for name in ("eng-test-ingest", "eng-test-metrics"):
        at.multiselect(key="engineer_filter_flows").select(name)
    at.multiselect(key="engineer_filter_states").select("FAILED").run()

    runs = table_with(at, "Parameters")
    assert runs["Run name"].to_list() == [prefected.broken_run]
    assert not at.exception


@pytest.mark.prefect
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's Chromium is not installed")
def test_the_page_against_prefect_in_a_real_browser(
    prefected: Prefected,
    tmp_path: Path,
    fixture_rows: Callable[[duckdb.DuckDBPyConnection], None],
    streamlit_server: Callable[[dict[str, str], Path], AbstractContextManager[str]],
    chromium_context: Callable[[], AbstractContextManager[tuple[Any, list[str]]]],
) -> None:
    """`streamlit run` with PREFECT_API_URL pointing at the test server: the runs, the failure, no console error."""
    from playwright.sync_api import expect

    serving = tmp_path / "concord.serving.duckdb"
    con = connect(serving)
    try:
        fixture_rows(con)
    finally:
        con.close()
    env = {"CONCORD_SERVING": str(serving), "PREFECT_API_URL": prefected.api_url}
    with streamlit_server(env, tmp_path / "streamlit.log") as url, chromium_context() as (context, errors):
        page = context.new_page()
        page.set_viewport_size({"width": 1440, "height": 2600})
        for lang in ("vi", "en"):
            errors.clear()
            page.goto(f"{url}/?lang={lang}")
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=i18n.t("page_operations", lang)).click()
            expect(page.get_by_role("heading", name=i18n.t("ops_title", lang)).first).to_be_visible(timeout=30_000)
            failure = page.locator('[data-testid="stAlertContentError"]').first
            expect(failure).to_contain_text(prefected.broken_run, timeout=30_000)
            expect(page.get_by_text(FAILURE).first).to_be_visible()
            expect(page.get_by_text(prefected.api_url, exact=False).first).to_be_visible()
            expect(page.locator('[data-testid="stDataFrame"] canvas').first).to_be_visible(timeout=30_000)
            assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0
            assert page.locator('[data-testid="stException"]').count() == 0
            page.wait_for_load_state("networkidle")
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT_DIR / f"dashboard_operations_{lang}.png"), full_page=True)
            assert errors == [], errors


def test_without_a_serving_copy_the_page_still_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("CONCORD_SERVING", str(tmp_path / "absent.serving.duckdb"))

    at = open_page("en")

    assert not at.exception
    assert [w.value for w in at.warning] == [i18n.t("prefect_not_configured", "en")]
    assert any("absent.serving.duckdb" in i.value for i in at.info)
    assert not at.dataframe
