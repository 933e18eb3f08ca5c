"""One writer at a time: the flock on <db>.lock, contended by real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concord.cli import EXIT_BUSY, app
from concord.lock import WriterBusy, holder, lock_path, writer_lock

# A holder process: takes the lock, says so on stdout, then sleeps, fails or waits to be killed.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from concord.lock import writer_lock

    db, seconds, fail = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "fail"
    with writer_lock(db, 0, what="test holder", run_id="run-holder"):
        print("locked", flush=True)
        time.sleep(seconds)
        if fail:
            raise RuntimeError("the holder failed")
    """
)


def hold(db: Path, seconds: float, fail: bool = False) -> subprocess.Popen[str]:
    """Start a process that holds the writer lock of ``db`` for ``seconds``; return once it holds it."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds), "fail" if fail else "ok"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked", process.stderr.read() if process.stderr else ""
    return process


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "concord.duckdb"


@pytest.fixture
def holder_process(db: Path) -> Iterator[subprocess.Popen[str]]:
    process = hold(db, 60)
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


def test_a_second_writer_waits_then_gets_a_clear_error_naming_the_holder(
    db: Path, holder_process: subprocess.Popen[str]
) -> None:
    started = time.monotonic()
    with pytest.raises(WriterBusy) as busy, writer_lock(db, 0.6, what="second"):
        pytest.fail("the second writer must not get the lock")
    waited = time.monotonic() - started
    assert 0.6 <= waited < 5
    message = str(busy.value)
    assert f"pid {holder_process.pid}" in message
    assert "test holder" in message and "run run-holder" in message and "since " in message
    assert "\n" not in message


def test_a_waiting_writer_proceeds_once_the_holder_finishes(db: Path) -> None:
    process = hold(db, 1.0)
    try:
        started = time.monotonic()
        with writer_lock(db, 30, what="patient"):
            waited = time.monotonic() - started
            assert holder(db).startswith(f"pid {os.getpid()}, patient")
        assert 0.3 < waited < 30
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()


def test_the_lock_is_released_when_the_holder_fails(db: Path) -> None:
    process = hold(db, 0.1, fail=True)
    assert process.wait(timeout=10) != 0
    with writer_lock(db, 0):
        pass


def test_the_lock_is_released_when_the_holder_is_killed(db: Path, holder_process: subprocess.Popen[str]) -> None:
    with pytest.raises(WriterBusy), writer_lock(db, 0):
        pass
    os.kill(holder_process.pid, signal.SIGKILL)
    holder_process.wait(timeout=10)
    with writer_lock(db, 0):
        assert lock_path(db).is_file()


def test_an_exception_in_the_block_releases_the_lock_for_other_processes(db: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), writer_lock(db, 0):
        raise RuntimeError("boom")
    process = hold(db, 0)  # would fail to start (WriterBusy, wait 0) if we still held it
    assert process.wait(timeout=10) == 0


def test_the_lock_is_reentrant_within_a_process_and_names_the_inner_run(db: Path) -> None:
    with writer_lock(db, 0, what="concord run"):
        with writer_lock(db, 0, what="concord-pipeline", run_id="run-42"):
            assert "run run-42" in holder(db)
        # Still held after the inner block: another process cannot take it.
        probe = subprocess.run([sys.executable, "-c", HOLDER, str(db), "0", "ok"], capture_output=True, text=True)
        assert probe.returncode != 0 and "WriterBusy" in probe.stderr
    probe = subprocess.run([sys.executable, "-c", HOLDER, str(db), "0", "ok"], capture_output=True, text=True)
    assert probe.returncode == 0


def test_threads_of_one_process_share_the_lock(db: Path) -> None:
    """Prefect may run a flow body in another thread of the process that took the lock: it must not deadlock."""
    entered = threading.Event()

    def inner() -> None:
        with writer_lock(db, 0):
            entered.set()

    with writer_lock(db, 0):
        thread = threading.Thread(target=inner)
        thread.start()
        thread.join(timeout=5)
    assert entered.is_set()


def test_cli_writers_exit_3_with_one_line_when_the_warehouse_is_busy(
    db: Path, holder_process: subprocess.Popen[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    db.touch()
    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    monkeypatch.setenv("CONCORD_HMAC_KEY", "lock-test-key")
    runner = CliRunner()
    for args in (
        ["run", "--inbox", str(inbox), "--db", str(db), "--wait", "0.3"],
        ["backfill", "--from", "2026-10-01", "--to", "2026-10-31", "--db", str(db), "--wait", "0"],
        ["report", "--db", str(db), "--wait", "0"],
        ["reset", "--yes", "--wait", "0"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_BUSY, (args, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"pid {holder_process.pid}" in lines[0], result.stderr
    assert tmp_path.is_dir() and inbox.is_dir(), "reset must not delete anything while a writer runs"


@pytest.mark.prefect
def test_a_scheduled_run_waits_for_a_writer_started_by_hand(
    prefect_harness: None, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A `concord run` by hand holds the warehouse when the hourly metrics run fires: the scheduled run waits for it
    # (scheduled_writer_wait_s) instead of failing at once, as a writer started by hand would (writer_wait_s = 0).
    from flows.pipeline import refresh_metrics

    monkeypatch.setenv("CONCORD_HMAC_KEY", "lock-test-key")
    monkeypatch.setenv("CONCORD_HOME", str(db.parent))
    monkeypatch.setenv("CONCORD_WRITER_WAIT_S", "0")
    monkeypatch.setenv("CONCORD_SCHEDULED_WRITER_WAIT_S", "60")
    process = hold(db, 2.0)
    started = time.monotonic()

    summary = refresh_metrics(db=db)

    assert process.wait(timeout=30) == 0
    assert time.monotonic() - started >= 1.5
    assert summary.marts and summary.run_id.startswith("metrics-")
