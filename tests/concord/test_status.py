"""`concord status` on the serving copy of a real tiny run, and that run's output: clean, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from concord.status import open_serving, prefect_runs, read_status

pytestmark = pytest.mark.prefect


def concord(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the real `concord` command in a child process (not a terminal: no progress bars)."""
    return subprocess.run(
        [sys.executable, "-m", "concord.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Generate the tiny demo inbox and run the pipeline once with `concord`, on a temporary Prefect server."""
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "CONCORD_"))}
    env |= {"CONCORD_HOME": str(home), "CONCORD_HMAC_KEY": "status-test-key"}
    generated = concord("generate", "--out", str(home / "inbox"), "--scale", "tiny", "--seed", "1", env=env)
    assert generated.returncode == 0, generated.stderr
    run = concord("run", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    return {"home": home, "env": env, "generate": generated, "run": run, "serving": home / "concord.serving.duckdb"}


def test_a_healthy_run_prints_no_traceback_and_no_error(served: dict) -> None:
    output = served["run"].stdout + served["run"].stderr
    assert "Traceback" not in output
    assert [line for line in output.splitlines() if "ERROR" in line or "Error" in line] == []
    assert "Run run-" in served["run"].stdout


def test_progress_bars_stay_out_of_logs_when_not_a_terminal(served: dict) -> None:
    assert served["generate"].stderr == ""
    assert served["generate"].stdout.startswith("Wrote ")


def test_status_of_a_healthy_run_exits_0(served: dict) -> None:
    result = concord("status", env=served["env"])
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Last run: run-") and "(concord-pipeline) COMPLETED" in lines[0]
    files = len(json.loads((served["home"] / "inbox" / "manifest.json").read_text())["files"])
    assert f"files: {files} loaded, 0 rejected, 0 skipped" in lines[1]
    for source in ("agencies", "cases", "referrals", "platform_actions", "public_responses"):
        assert any(line.split()[:2] == [source, "ok"] for line in lines), source
    assert "Recent failed runs: none." in lines
    assert "Prefect: PREFECT_API_URL is not set (no server to ask)." in lines


def test_status_exits_1_when_the_last_run_failed(served: dict, tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    shutil.copy(served["serving"], serving)
    with duckdb.connect(str(serving)) as con:
        con.execute(
            "INSERT INTO audit.runs (run_id, started_at, finished_at, as_of, status, code_version, inbox, flow) "
            "VALUES ('run-broken', now(), now(), now(), 'failed', 'test', 'inbox', 'concord-pipeline')"
        )
        con.execute(
            "INSERT INTO audit.validations (run_id, validated_at, suite_name, table_name, expectation_type, "
            "column_name, success, unexpected_count) VALUES "
            "('run-broken', now(), 'cases', 'staging.cases', 'expect_column_values_to_not_be_null', 'url', false, 12), "
            "('run-broken', now(), 'cases', 'staging.cases', 'expect_table_row_count_to_be_between', NULL, true, NULL)"
        )
    result = concord("status", "--serving", str(serving), env=served["env"])
    assert result.returncode == 1
    assert result.stdout.startswith("Last run: run-broken (concord-pipeline) FAILED")
    assert "  run-broken (concord-pipeline) started " in result.stdout
    assert (
        "Validation failures in run-broken:\n  cases: expect_column_values_to_not_be_null on staging.cases.url (12 rows)\n"
        in result.stdout
    )


def test_a_stale_source_makes_status_unhealthy(served: dict) -> None:
    con = open_serving(served["serving"])
    try:
        now = read_status(con, datetime.now(UTC))
        later = read_status(con, datetime.now(UTC) + timedelta(days=3))
    finally:
        con.close()
    assert now.healthy
    stale = dict(later.freshness.select("source", "stale").iter_rows())
    assert stale == {
        "agencies": False,
        "cases": True,
        "referrals": True,
        "platform_actions": True,
        "public_responses": True,
    }
    assert not later.healthy


def test_status_says_when_the_prefect_server_is_unreachable(served: dict) -> None:
    env = served["env"] | {"PREFECT_API_URL": "http://127.0.0.1:9/api"}
    result = concord("status", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Prefect: Prefect server at http://127.0.0.1:9/api unreachable" in result.stdout


def test_status_lists_prefect_flow_runs_from_the_api(prefect_harness: None) -> None:
    from prefect import flow
    from prefect.settings import PREFECT_API_URL

    @flow(name="status-probe")
    def probe() -> int:
        return 1

    probe()
    runs = prefect_runs(str(PREFECT_API_URL.value()))
    assert "error" not in runs, runs
    latest = next(run for run in runs["recent"] if run["flow"] == "status-probe")
    assert latest["state"] == "Completed" and latest["start"]
    assert runs["scheduled"] == []
