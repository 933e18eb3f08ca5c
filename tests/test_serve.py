"""`concord serve` end to end: a real Prefect server, the runner and the dashboard, on free loopback ports.

One service for the module, in a temporary CONCORD_HOME holding the tiny demo inbox, with the ingest deployment
every 30 s (the scheduler and the runner polling every second) and the two cron deployments pushed out to
1 January, so that only the runs the tests expect happen. The tests run in order: a scheduled ingest run fires
by itself; a metrics run triggered through the Prefect API completes and reaches the dashboard's serving copy;
Ctrl-C stops every process the service started.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import make_demo_inbox

pytestmark = pytest.mark.prefect

INGEST_EVERY_S = 30
NEVER = "0 0 1 1 *"  # 1 January: no cron run fires during the test


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has gone
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


class Service:
    """`concord serve` as a subprocess whose output is collected line by line."""

    def __init__(self, home: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONCORD_", "PREFECT_API_URL"))}
        env |= {
            "CONCORD_HOME": str(home),
            "CONCORD_HMAC_KEY": "serve-test-key",
            "CONCORD_INGEST_EVERY_MINUTES": str(INGEST_EVERY_S / 60),
            "CONCORD_METRICS_CRON": NEVER,
            "CONCORD_REPORTS_CRON": NEVER,
            "PREFECT_HOME": str(home / "prefect"),
            # Scheduling latency: the scheduler service creates runs ahead of time (every 60 s by default), the
            # runner looks for due runs every PREFECT_RUNNER_POLL_FREQUENCY seconds (10 by default).
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        }
        command = [sys.executable, "-m", "concord.cli", "serve", "--port", str(free_port())]
        command += ["--prefect-port", str(free_port())]
        self.home = home
        self.process = subprocess.Popen(
            command, cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self.children: dict[int, int] = {}  # pid → process group of each process `concord serve` started
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.process.poll() is None, f"concord serve exited:\n{self.output}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout:.0f} s:\n{self.output}"
            time.sleep(0.2)

    def url(self, label: str) -> str:
        match = re.search(rf"^{label}: (http://127\.0\.0\.1:\d+)", self.output, re.MULTILINE)
        assert match, self.output
        return match.group(1)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("serve")
    make_demo_inbox(home / "inbox")
    running = Service(home)
    try:
        running.wait_for("Press Ctrl-C to stop.", timeout=240)
        running.children = {pid: os.getpgid(pid) for pid in children(running.process.pid)}
        yield running
    finally:
        if running.process.poll() is None:
            running.process.send_signal(signal.SIGINT)
            try:
                running.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                running.process.kill()
        for pgid in running.children.values():
            if group_alive(pgid):
                os.killpg(pgid, signal.SIGKILL)


@pytest.fixture(scope="module")
def prefect_client(service: Service) -> Iterator[Any]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: service.url("Prefect server") + "/api"}),
        get_client(sync_client=True) as client,
    ):
        yield client


def wait_final(client: Any, flow_run_id: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        run = client.read_flow_run(flow_run_id)
        if run.state is not None and run.state.is_final():
            return run
        assert time.monotonic() < deadline, f"flow run {run.name} still {run.state} after {timeout:.0f} s"
        time.sleep(1)


def served(service: Service, sql: str) -> list[tuple]:
    with duckdb.connect(str(service.home / "concord.serving.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_serve_starts_the_server_the_deployments_and_the_dashboard(service: Service) -> None:
    for label in ("Prefect server", "Dashboard"):
        with urllib.request.urlopen(service.url(label) + ("/api/health" if "Prefect" in label else "/_stcore/health")):
            pass
    assert "concord-ingest/scheduled  every 0.5 min" in service.output
    assert f"concord-metrics/scheduled  cron {NEVER} (Asia/Ho_Chi_Minh)" in service.output
    logs = service.home / "logs"
    assert {p.name for p in logs.iterdir()} == {"prefect-server.log", "runner.log", "dashboard.log"}
    assert str(logs / "runner.log") in service.output
    assert len(service.children) == 3
    # The dashboard reads the serving copy and knows the Prefect API (for the engineer page).
    [dashboard] = [pid for pid in service.children if b"streamlit" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    environ = dict(
        item.split("=", 1) for item in Path(f"/proc/{dashboard}/environ").read_text().split("\0") if "=" in item
    )
    assert environ["CONCORD_SERVING"] == str(service.home / "concord.serving.duckdb")
    assert environ["PREFECT_API_URL"] == service.url("Prefect server") + "/api"


def test_a_scheduled_ingest_run_fires_on_time_by_itself(service: Service, prefect_client: Any) -> None:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    deployment = prefect_client.read_deployment_by_name("concord-ingest/scheduled")
    deadline = time.monotonic() + 2 * INGEST_EVERY_S + 60
    while True:
        runs = prefect_client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        )
        started = sorted((r for r in runs if r.start_time is not None), key=lambda r: r.start_time)
        if started:
            break
        assert time.monotonic() < deadline, f"no scheduled run started; runs: {[(r.name, r.state_name) for r in runs]}"
        time.sleep(1)
    first = wait_final(prefect_client, started[0].id, timeout=120)
    assert first.auto_scheduled, "the run was not created by the schedule"
    assert first.state.is_completed(), first.state
    lateness = first.start_time - first.expected_start_time
    print(f"first scheduled ingest run started {lateness.total_seconds():.1f} s after its scheduled time")
    assert lateness < timedelta(seconds=15)
    rows = served(
        service, "SELECT status, flow FROM audit.runs WHERE run_id LIKE 'ingest-%' ORDER BY started_at LIMIT 1"
    )
    assert rows == [("completed", "concord-ingest")]
    assert served(service, "SELECT count(*) FROM audit.batches WHERE status = 'loaded'")[0][0] > 0


def test_a_run_triggered_through_the_api_completes_and_reaches_the_dashboard(
    service: Service, prefect_client: Any
) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: service.url("Prefect server") + "/api"}):
        triggered = run_deployment("concord-metrics/scheduled", timeout=0)
    assert not triggered.auto_scheduled
    run = wait_final(prefect_client, triggered.id, timeout=150)
    assert run.state.is_completed(), run.state
    manifest = json.loads((service.home / "inbox" / "manifest.json").read_text())
    assert served(service, "SELECT status FROM audit.runs WHERE flow = 'concord-metrics'") == [("completed",)]
    assert served(service, "SELECT count(*) FROM marts.case_facts") == [
        (manifest["sources"]["cases"]["distinct_case_keys"],)
    ]
    with urllib.request.urlopen(service.url("Dashboard") + "/_stcore/health") as answer:
        assert answer.status == 200


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's Chromium is not installed")
def test_the_dashboard_shows_the_triggered_run_in_a_real_browser(service: Service) -> None:
    """The served dashboard's "data as of" is the metrics run's, and its operations page lists that run."""
    from playwright.sync_api import expect, sync_playwright

    from dashboards import i18n

    [(as_of,)] = served(service, "SELECT as_of FROM audit.runs WHERE flow = 'concord-metrics'")
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(service.url("Dashboard") + "/?lang=en")
            as_of_text = i18n.fmt_datetime(as_of, "en", "Asia/Ho_Chi_Minh")
            expect(page.get_by_text(as_of_text, exact=False).first).to_be_visible(timeout=60_000)

            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=i18n.t("page_operations", "en")).click()
            runs = page.locator('[data-testid="stDataFrame"] td[role="gridcell"]').filter(has_text="concord-metrics")
            expect(runs.first).to_be_attached(timeout=60_000)
        finally:
            browser.close()
    assert errors == [], errors


def test_ctrl_c_stops_every_process_it_started(service: Service) -> None:
    groups = list(service.children.values())
    service.process.send_signal(signal.SIGINT)
    assert service.process.wait(timeout=90) == 0, service.output
    service.reader.join(timeout=5)
    assert "Stopping …" in service.output
    assert [pgid for pgid in groups if group_alive(pgid)] == []
    assert "Traceback" not in service.output
    for log in (service.home / "logs").iterdir():
        assert "Traceback" not in log.read_text(errors="replace"), log
