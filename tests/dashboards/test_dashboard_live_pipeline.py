"""The real pipeline and the real dashboard together: a run while the page is open succeeds, and then shows.

The flow runs under Prefect's test harness into a DuckDB file while `streamlit run` serves the overview in
headless Chromium, which keeps reloading during the run. The run must not be blocked (the dashboard reads only
the serving copy), and afterwards the page must show the new numbers, equal to a direct query.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from concord.settings import serving_path
from dashboards import i18n
from tests.conftest import make_demo_inbox

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
METRIC_VALUE = '[data-testid="stMetricValue"]'
AS_OF = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.prefect,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"),
]


def served_cases(serving: Path) -> int:
    with duckdb.connect(str(serving), read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM marts.case_facts").fetchall()[0][0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_run_while_the_dashboard_is_open_succeeds_and_then_shows(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from flows.pipeline import pipeline

    inbox = make_demo_inbox(tmp_path / "inbox")
    held_back = sorted((inbox / "cases").glob("cases_*"))[-1]
    shutil.move(held_back, tmp_path / held_back.name)  # delivered later, during the second run
    home, db = tmp_path / "home", tmp_path / "home" / "concord.duckdb"
    monkeypatch.setenv("CONCORD_HOME", str(home))
    monkeypatch.setenv("CONCORD_HMAC_KEY", "live-test-key")
    pipeline(inbox=inbox, db=db, as_of=AS_OF, run_validation=False)
    before = served_cases(serving_path(db))

    port = free_port()
    env = {**os.environ, "CONCORD_SERVING": str(serving_path(db))}
    log_path = tmp_path / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboards" / "app.py"), "--server.port",
               str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            page = browser.new_page()
            tiles = page.locator(METRIC_VALUE)
            page.goto(url)
            expect(tiles.first).to_have_text(i18n.fmt_int(before, "vi"), timeout=30_000)

            # The held-back file arrives; a second run happens while the page keeps reloading.
            shutil.move(tmp_path / held_back.name, held_back)
            outcome: dict[str, object] = {}

            def second_run() -> None:
                try:
                    outcome["summary"] = pipeline(inbox=inbox, db=db, as_of=AS_OF, run_validation=False)
                except BaseException as exc:  # reported by the assertion below
                    outcome["error"] = exc

            runner = threading.Thread(target=second_run)
            runner.start()
            reloads = 0
            while runner.is_alive():
                page.reload()
                expect(tiles.first).to_be_visible(timeout=30_000)
                reloads += 1
            runner.join()
            assert "error" not in outcome, outcome.get("error")
            assert reloads >= 1

            after = served_cases(serving_path(db))
            assert after > before
            page.reload()
            expect(tiles.first).to_have_text(i18n.fmt_int(after, "vi"), timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert "Traceback" not in log_path.read_text()
