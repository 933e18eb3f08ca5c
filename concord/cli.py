"""The ``concord`` command: generate demo data, run the pipeline, serve the demo, build reports, verify evidence.

Heavy libraries (Prefect, Great Expectations, Streamlit) are imported inside the commands that need them, so
``concord --help`` stays instant.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from concord.settings import Settings, serving_path

app = typer.Typer(
    help="Concord: how well a network of public organisations coordinates against harmful online content.",
    no_args_is_help=True,
    add_completion=False,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_LISTED = 20  # validation failures listed by `concord status`
EXIT_BUSY = 3  # another writer holds the warehouse (exit 2 is a usage error, 1 a failed check)

if TYPE_CHECKING:
    from rich.progress import Progress

WaitOption = Annotated[
    float | None,
    typer.Option(
        "--wait",
        help="Seconds to wait for another writer of the warehouse to finish (default: CONCORD_WRITER_WAIT_S, 0).",
    ),
]


@contextmanager
def _writer(db: Path, wait_s: float | None, what: str) -> Iterator[None]:
    """Hold the warehouse's writer lock; if another writer keeps it past the wait, say who in one line, exit 3."""
    from concord.lock import WriterBusy, writer_lock

    wait = Settings().writer_wait_s if wait_s is None else wait_s
    try:
        with writer_lock(db.resolve(), wait, what=what):
            yield
    except WriterBusy as busy:
        typer.echo(f"concord: {busy}", err=True)
        raise typer.Exit(EXIT_BUSY) from None


def _progress() -> Progress:
    """A rich progress bar on stderr, drawn only on a terminal, so that logs and pipes stay clean."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[step]}"),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


def _prefect_environment(settings: Settings) -> None:
    """Defaults for Prefect that keep a local run quiet and reliable (user-set variables win).

    Without a server, Prefect starts a temporary one; on a fresh home it can need more than its default 20 s
    start-up timeout, and offline its telemetry call logs an error on every start.
    """
    os.environ.setdefault("PREFECT_HOME", str((settings.home / "prefect").resolve()))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "true")
    # One line per file from the flow, not two per task ("Finished in state Completed()"); warnings still show.
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "WARNING")


def _parse_as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # a bare time is local time, like the agency sources
        parsed = parsed.replace(tzinfo=ZoneInfo(Settings().local_tz))
    return parsed.astimezone(UTC)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the demo inbox into.")] = Path(".concord/inbox"),
    scale: Annotated[str, typer.Option(help="tiny (~2k cases), small (~50k) or medium (~1M).")] = "small",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    end: Annotated[str | None, typer.Option(help="Last local day of data (YYYY-MM-DD); default yesterday.")] = None,
    bad_share: Annotated[float, typer.Option(help="Share of deliberately bad rows.")] = 0.01,
) -> None:
    """Write a seeded, realistic demo inbox (agencies, cases, referrals, platform actions, public responses)."""
    from concord.demo.generate import generate as write_demo

    if scale not in ("tiny", "small", "medium"):
        raise typer.BadParameter("scale must be tiny, small or medium", param_hint="--scale")
    last_day = date.fromisoformat(end) if end else _yesterday_local()
    started = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task("Writing the demo inbox", total=None, step="simulating the year …")

        def wrote(name: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, step=name)

        manifest = write_demo(out, scale=scale, seed=seed, end=last_day, bad_share=bad_share, progress=wrote)  # type: ignore[arg-type]
    files = manifest.get("files", [])
    typer.echo(
        f"Wrote {len(files)} files to {out} in {time.perf_counter() - started:.1f} s (scale {scale}, seed {seed})."
    )
    for source, rows in sorted(manifest.get("rows", {}).items()):
        typer.echo(f"  {source:<18} {rows:>10,} rows")


def _yesterday_local() -> date:
    return datetime.now(ZoneInfo(Settings().local_tz)).date() - timedelta(days=1)


@app.command()
def run(
    inbox: Annotated[Path | None, typer.Option(help="Inbox folder (one sub-folder per source).")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
    as_of: Annotated[str | None, typer.Option(help="The run's 'now' (ISO 8601; local time if no offset).")] = None,
    validate: Annotated[bool, typer.Option(help="Run the Great Expectations suites.")] = True,
    wait: WaitOption = None,
) -> None:
    """Run the pipeline flow once: ingest the inbox, validate, rebuild the marts, publish the serving copy.

    One writer at a time: if another run, backfill or report holds the warehouse, wait up to --wait seconds,
    then exit 3 naming the holder.
    """
    settings = Settings()
    inbox = inbox or settings.inbox_path
    db = db or settings.db_path
    if not inbox.is_dir():
        typer.echo(f"No inbox at {inbox}. Create one with `concord generate --out {inbox}`.", err=True)
        raise typer.Exit(2)
    if settings.hmac_key is None:
        typer.echo("CONCORD_HMAC_KEY is not set: account handles cannot be pseudonymised. Set it and retry.", err=True)
        raise typer.Exit(2)
    _run_pipeline(settings, inbox, db, _parse_as_of(as_of), validate, wait)


def _run_pipeline(
    settings: Settings, inbox: Path, db: Path, as_of: datetime | None, validate: bool, wait: float | None = None
) -> None:
    with _writer(db, wait, "concord run"):
        _prefect_environment(settings)
        from flows.pipeline import pipeline

        started = time.perf_counter()
        summary = pipeline(inbox=inbox, db=db, as_of=as_of, run_validation=validate)
    totals = summary.counts()
    typer.echo(
        f"Run {summary.run_id} finished in {time.perf_counter() - started:.1f} s: "
        f"{totals['loaded']} files loaded, {totals['rejected']} rejected, {totals['skipped']} skipped; "
        f"{totals['rows_in']:,} rows in = {totals['rows_loaded']:,} loaded + {totals['rows_quarantined']:,} quarantined."
    )
    typer.echo(f"Warehouse: {db}   Dashboard copy: {summary.serving}")


def _demo_key(settings: Settings) -> None:
    """Give the local demo a pseudonymisation key of its own (kept outside the warehouse) when none is set."""
    if settings.hmac_key is not None or os.environ.get("CONCORD_HMAC_KEY"):
        return
    key_file = settings.home / "demo-hmac.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    os.environ["CONCORD_HMAC_KEY"] = key_file.read_text().strip()
    typer.echo(f"Demo: using the pseudonymisation key in {key_file} (set CONCORD_HMAC_KEY for real data).")


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_http(url: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def dashboard_command(port: int, serving: Path) -> list[str]:
    """The command line that serves the Streamlit dashboard on loopback."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO_ROOT / "dashboards" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def prefect_server_command(port: int) -> list[str]:
    """The command line of a real Prefect server (API and UI) on loopback."""
    return [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]


def _drain_prefect() -> None:
    """Send the logs and events this process's flow runs still queue before the Prefect server they go to stops.

    Without it, stopping the server right after a run prints "--- Error logging to API --- All connection attempts
    failed" on the way out.
    """
    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=10)


@app.command()
def demo(
    scale: Annotated[str, typer.Option(help="Demo size when the inbox must be generated.")] = "small",
    port: Annotated[int, typer.Option(help="Dashboard port.")] = 8501,
    prefect_port: Annotated[int, typer.Option(help="Prefect server port.")] = 4200,
    serve: Annotated[bool, typer.Option(help="Keep serving the dashboard after the run.")] = True,
) -> None:
    """Generate the demo inbox (when missing), run the pipeline on a local Prefect server, serve the dashboard."""
    settings = Settings()
    inbox, db = settings.inbox_path, settings.db_path
    _demo_key(settings)
    settings = Settings()
    if not (inbox / "manifest.json").exists():
        generate(out=inbox, scale=scale, seed=7, end=None, bad_share=0.01)
    _prefect_environment(settings)
    processes: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        _drain_prefect()
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    try:
        if not os.environ.get("PREFECT_API_URL"):
            prefect_port = _free_port(prefect_port)
            log = (settings.home / "prefect-server.log").open("ab")
            typer.echo(f"Starting a local Prefect server on http://127.0.0.1:{prefect_port} (log: {log.name}) …")
            processes.append(
                subprocess.Popen(
                    prefect_server_command(prefect_port),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            _wait_http(f"http://127.0.0.1:{prefect_port}/api/health", 180, processes[-1])
            os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{prefect_port}/api"
        _run_pipeline(settings, inbox, db, None, True)
        if not serve:
            return
        port = _free_port(port)
        env = {**os.environ, "CONCORD_SERVING": str(serving_path(db).resolve())}
        processes.append(subprocess.Popen(dashboard_command(port, serving_path(db)), env=env, cwd=REPO_ROOT))
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 120, processes[-1])
        typer.echo(f"Dashboard: http://127.0.0.1:{port}   Prefect UI: {os.environ['PREFECT_API_URL'][:-4]}")
        typer.echo("Local demo: no sign-in. Press Ctrl-C to stop.")
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        processes[-1].wait()
    except KeyboardInterrupt:
        typer.echo("Stopping …")
    finally:
        stop()


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Dashboard port (a free one if taken).")] = 8501,
    prefect_port: Annotated[int, typer.Option(help="Prefect server port (a free one if taken).")] = 4200,
    dashboard: Annotated[bool, typer.Option(help="Also serve the dashboard.")] = True,
) -> None:
    """Run Concord as a service: a Prefect server, the scheduled deployments and the dashboard; Ctrl-C stops all.

    The server's database is SQLite under PREFECT_HOME, or PostgreSQL with PREFECT_API_DATABASE_CONNECTION_URL.

    With PREFECT_API_URL set, no server is started: the deployments are served to that one.

    Schedules: CONCORD_INGEST_EVERY_MINUTES, CONCORD_METRICS_CRON, CONCORD_REPORTS_CRON (concord/settings.py).
    """
    settings = Settings()
    _demo_key(settings)
    settings = Settings()
    _prefect_environment(settings)
    logs = (settings.home / "logs").resolve()
    logs.mkdir(parents=True, exist_ok=True)
    settings.inbox_path.mkdir(parents=True, exist_ok=True)
    services = Services(logs)
    # Ctrl-C, and SIGTERM from a service manager, stop everything. SIGINT is set explicitly: a process started in
    # the background by a non-interactive shell inherits it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    failed = False
    try:
        api = os.environ.get("PREFECT_API_URL", "").rstrip("/")
        if api:
            _wait_api(api)
            typer.echo(f"Prefect server: {api.removesuffix('/api')} (PREFECT_API_URL)")
        else:
            prefect_port = _free_port(prefect_port)
            api = f"http://127.0.0.1:{prefect_port}/api"
            server = services.start("prefect-server", prefect_server_command(prefect_port))
            _wait_http(f"{api}/health", 180, server)
            os.environ["PREFECT_API_URL"] = api
            typer.echo(
                f"Prefect server: http://127.0.0.1:{prefect_port}   (database under {os.environ['PREFECT_HOME']})"
            )
        from flows.deployments import deployments

        started = datetime.now(UTC)
        served = deployments(settings)
        runner = services.start("runner", [sys.executable, "-m", "flows.deployments"])
        for deployment in served:
            _wait_deployment(api, f"{deployment.flow_name}/{deployment.name}", started, runner)
            typer.echo(f"  deployment {deployment.flow_name}/{deployment.name:<10} {_describe(deployment)}")
        if dashboard:
            port = _free_port(port)
            serving = serving_path(settings.db_path).resolve()
            dash = services.start(
                "dashboard",
                dashboard_command(port, serving),
                extra_env={"CONCORD_SERVING": str(serving)},
                cwd=REPO_ROOT,
            )
            _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 120, dash)
            typer.echo(f"Dashboard: http://127.0.0.1:{port}   (reads {serving}; local: no sign-in)")
        typer.echo(f"Inbox: {settings.inbox_path.resolve()}   Warehouse: {settings.db_path.resolve()}")
        typer.echo("Logs: " + "   ".join(str(path) for path in services.logs()))
        typer.echo("Press Ctrl-C to stop.")
        exited = services.wait_any()
        typer.echo(
            f"{exited.name} exited with code {exited.process.returncode}; see {exited.log}. Stopping …", err=True
        )
        failed = True
    except KeyboardInterrupt:
        typer.echo("Stopping …")
    except (RuntimeError, TimeoutError) as error:
        typer.echo(f"concord serve: {error}. Logs: {', '.join(str(path) for path in services.logs())}", err=True)
        failed = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        services.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if failed:
        raise typer.Exit(1)


@dataclass
class Service:
    """A child process of `concord serve`, leader of its own process group, logging to a file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path


class Services:
    """The children of `concord serve`: started in their own process groups, stopped newest first."""

    def __init__(self, logs: Path) -> None:
        self.folder = logs
        self.running: list[Service] = []

    def start(
        self, name: str, command: list[str], extra_env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}.log"
        with log.open("ab") as out:
            # Their own session: Ctrl-C in the terminal reaches only `concord serve`, which stops them in order.
            process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(extra_env or {})},
                cwd=cwd,
                start_new_session=True,
            )
        self.running.append(Service(name, process, log))
        return process

    def logs(self) -> list[Path]:
        return [service.log for service in self.running]

    def wait_any(self) -> Service:
        """Block until a child exits; return it."""
        while True:
            for service in self.running:
                if service.process.poll() is not None:
                    return service
            time.sleep(0.5)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM each child, newest first (the runner cancels its flow runs while the server still answers), then
        SIGKILL whatever is left of its process group after ``timeout`` seconds."""
        for service in reversed(self.running):
            process = service.process
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    typer.echo(f"{service.name} did not stop within {timeout:.0f} s: killed.", err=True)
            _kill_group(process.pid)
            process.wait()
        self.running.clear()


def _kill_group(pgid: int) -> None:
    """SIGTERM, then SIGKILL, every process left in a process group (e.g. a flow run of a killed runner)."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def _wait_api(api: str) -> None:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=10):
            return
    except (urllib.error.URLError, OSError) as error:
        raise RuntimeError(f"the Prefect server at PREFECT_API_URL={api} does not answer ({error})") from None


def _wait_deployment(api: str, name: str, since: datetime, runner: subprocess.Popen[bytes]) -> None:
    """Wait until the runner has (re)registered the deployment ``flow/deployment`` with the server."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if runner.poll() is not None:
            raise RuntimeError(f"the runner exited with code {runner.returncode}")
        try:
            with urllib.request.urlopen(f"{api}/deployments/name/{name}", timeout=5) as answer:
                updated = datetime.fromisoformat(json.load(answer)["updated"])
            if updated >= since - timedelta(seconds=1):
                return
        except (urllib.error.URLError, OSError, KeyError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the runner did not register {name} within 120 s")


def _describe(deployment: Any) -> str:
    """A deployment's schedules in words: 'every 15 min' or 'cron 0 * * * * (Asia/Ho_Chi_Minh)'."""
    parts = []
    for entry in deployment.schedules or []:
        schedule = entry.schedule
        if getattr(schedule, "interval", None) is not None:
            parts.append(f"every {schedule.interval.total_seconds() / 60:g} min")
        elif getattr(schedule, "cron", None) is not None:
            parts.append(f"cron {schedule.cron} ({schedule.timezone})")
    return ", ".join(parts) or "on demand"


@app.command()
def report(
    db: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
    wait: WaitOption = None,
) -> None:
    """Validate the warehouse now and build the Great Expectations Data Docs (static HTML) for auditors.

    The results are stored in audit.validations under a run id "report-<timestamp>"; like every writer it
    waits up to --wait seconds for another writer, then exits 3.
    """
    settings = Settings()
    db = _existing_db(db or settings.db_path)
    docs_dir = (settings.home / "reports" / "data_docs").resolve()
    run_id = f"report-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    with _writer(db, wait, f"concord report {run_id}"):
        from expectations.validate import validate_warehouse  # after the lock: a busy warehouse answers at once

        results = validate_warehouse(db, run_id, docs_dir)
    for r in results:
        verdict = "passed" if r["success"] else f"{r['failed']} of {r['evaluated']} expectations failed"
        typer.echo(f"  {r['suite']:<28} v{r['suite_version']:<6} {verdict}")
    typer.echo(f"Data Docs ({run_id}): {docs_dir / 'index.html'}")


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


@app.command()
def backfill(
    date_from: Annotated[str, typer.Option("--from", help="First local day of the range (YYYY-MM-DD).")],
    date_to: Annotated[str, typer.Option("--to", help="Last local day of the range, included (YYYY-MM-DD).")],
    db: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Judge SLA status and backlog at this time (ISO 8601; default now).")
    ] = None,
    wait: WaitOption = None,
) -> None:
    """Recompute the marts for the local days FROM..TO from the current staging tables, idempotently.

    Nothing is ingested. The marts are recomputed from staging as of --as-of (default now), and in each mart
    only the rows of the range are replaced, in one transaction: day-grained marts (kpi_daily, backlog_daily,
    hotspots) by local day; case-grained marts (case_facts, handoffs, platform_requests,
    public_response_coverage) for the cases detected in the range; recurrence by the local day of the first
    enforcement. Rows outside the range are not touched. The backfill is recorded like a run (audit.runs with
    flow 'concord-backfill', an evidence record, a new serving copy, a Prefect flow run 'concord-backfill').
    Details: docs/operations.md.
    """
    first, last = _parse_day(date_from, "--from"), _parse_day(date_to, "--to")
    if first > last:
        raise typer.BadParameter(f"--from {first} is after --to {last}", param_hint="--from")
    try:
        at = _parse_as_of(as_of)
    except ValueError:
        raise typer.BadParameter(f"{as_of!r} is not an ISO 8601 time", param_hint="--as-of") from None
    settings = Settings()
    db = _existing_db(db or settings.db_path)
    with _writer(db, wait, "concord backfill"):
        _prefect_environment(settings)
        from flows.backfill import STEPS, reporting_progress
        from flows.backfill import backfill as backfill_flow

        started = time.perf_counter()
        with _progress() as bar:
            task = bar.add_task(f"Backfill {first} to {last}", total=len(STEPS), step="")
            with reporting_progress(lambda step: bar.update(task, advance=1, step=step)):
                summary = backfill_flow(date_from=first, date_to=last, db=db, as_of=at)
    typer.echo(
        f"Backfill {summary.run_id} of {first} to {last} (as of {summary.as_of.isoformat()}) finished in "
        f"{time.perf_counter() - started:.1f} s; rows replaced: "
        + ", ".join(f"{table.removeprefix('marts.')} {rows:,}" for table, rows in summary.marts.items())
    )
    typer.echo(f"Dashboard copy: {summary.serving}")


@app.command()
def status(
    db: Annotated[Path | None, typer.Option(help="DuckDB warehouse file (only its serving copy is read).")] = None,
    serving: Annotated[
        Path | None, typer.Option(help="Serving copy to read; default the one next to the warehouse.")
    ] = None,
) -> None:
    """Print the last run, freshness per source, the latest validation failures and recent failed runs.

    Reads the dashboard's serving copy, never the warehouse (a running writer may hold it). When
    PREFECT_API_URL is set, also lists the last Prefect flow runs and the next scheduled ones (3 s timeout).
    Exit code 0 when healthy, 1 when the last run failed or a source is stale, 2 when there is no serving copy.
    """
    from concord.status import open_serving, prefect_runs, read_status

    settings = Settings()
    path = serving or serving_path(db or settings.db_path)
    if not path.is_file():
        typer.echo(f"No serving copy at {path}. Run the pipeline first (`concord run`).", err=True)
        raise typer.Exit(2)
    tz = ZoneInfo(settings.local_tz)
    con = open_serving(path)
    try:
        report = read_status(con, datetime.now(UTC))
    finally:
        con.close()

    def when(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %z") if value else "-"

    last = report.last_run
    if last is None:
        typer.echo("Last run: none recorded.")
    else:
        duration = f"{last['duration_s']:.1f} s" if last["duration_s"] is not None else "still running"
        typer.echo(
            f"Last run: {last['run_id']} ({last['flow']}) {last['status'].upper()}, started {when(last['started_at'])}, "
            f"{duration}, as of {when(last['as_of'])}"
        )
        typer.echo(
            f"  files: {last['files_loaded']} loaded, {last['files_rejected']} rejected, {last['files_skipped']} skipped; "
            f"rows: {last['rows_in']:,} in = {last['rows_loaded']:,} loaded + {last['rows_quarantined']:,} quarantined"
        )
    typer.echo("Freshness (newest loaded batch):")
    for row in report.freshness.iter_rows(named=True):
        age = f"{row['age_days']:.1f} d old" if row["age_days"] is not None else "never loaded"
        verdict = "STALE" if row["stale"] else "ok"
        typer.echo(f"  {row['source']:<18} {verdict:<6} {age} (limit {row['limit_days']:g} d)")
    failures = report.validation_failures
    if failures.height:
        typer.echo(f"Validation failures in {failures['run_id'][0]}:")
        for row in failures.head(MAX_LISTED).iter_rows(named=True):
            column = f".{row['column_name']}" if row["column_name"] else ""
            count = f" ({row['unexpected_count']:,} rows)" if row["unexpected_count"] is not None else ""
            typer.echo(f"  {row['suite_name']}: {row['expectation_type']} on {row['table_name']}{column}{count}")
        if failures.height > MAX_LISTED:
            typer.echo(f"  … and {failures.height - MAX_LISTED} more (dashboard: data quality page)")
    else:
        typer.echo("Validation failures: none in the latest validation run.")
    if report.failed_runs.height:
        typer.echo("Recent failed runs:")
        for row in report.failed_runs.iter_rows(named=True):
            typer.echo(f"  {row['run_id']} ({row['flow']}) started {when(row['started_at'])}")
    else:
        typer.echo("Recent failed runs: none.")
    api_url = os.environ.get("PREFECT_API_URL")
    if api_url:
        runs = prefect_runs(api_url)
        if "error" in runs:
            typer.echo(f"Prefect: {runs['error']}.")
        else:
            typer.echo(f"Prefect ({api_url}) last flow runs:")
            for run in runs["recent"] or [{"flow": "none", "name": "", "state": "", "start": None, "duration_s": None}]:
                seconds = f", {run['duration_s']:.1f} s" if run["duration_s"] is not None else ""
                typer.echo(f"  {run['flow']} {run['name']} {run['state']} {run['start'] or ''}{seconds}".rstrip())
            typer.echo("Prefect next scheduled runs:" if runs["scheduled"] else "Prefect next scheduled runs: none.")
            for run in runs["scheduled"]:
                typer.echo(f"  {run['flow']} {run['name']} at {run['start']}")
    else:
        typer.echo("Prefect: PREFECT_API_URL is not set (no server to ask).")
    if not report.healthy:
        raise typer.Exit(1)


def _existing_db(db: Path) -> Path:
    if not db.is_file():
        typer.echo(f"No warehouse at {db}. Create one with `concord run`.", err=True)
        raise typer.Exit(2)
    return db


audit_app = typer.Typer(help="Check the per-run evidence records.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command()
def verify(
    db: Annotated[Path | None, typer.Option(help="DuckDB warehouse file (opened read-only).")] = None,
    evidence_dir: Annotated[
        Path | None, typer.Option(help="Folder of the evidence JSON files; default <home>/reports/evidence.")
    ] = None,
) -> None:
    """Recompute every evidence record's hash, check the chain and the JSON files; exit 1 on any broken link."""
    from concord.evidence import read_chain, read_files, verify_chain
    from concord.warehouse import connect

    settings = Settings()
    db = _existing_db(db or settings.db_path)
    evidence_dir = evidence_dir or settings.home / "reports" / "evidence"
    con = connect(db, read_only=True)
    try:
        has_table = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'audit' AND table_name = 'evidence'"
        ).fetchall() == [(1,)]
        rows = read_chain(con) if has_table else []
    finally:
        con.close()
    if not has_table:
        typer.echo(f"{db} has no audit.evidence table: run the pipeline once with this version.", err=True)
        raise typer.Exit(2)
    problems = verify_chain(rows, read_files(evidence_dir))
    if not problems:
        typer.echo(f"OK: {len(rows)} runs, every evidence record and link checks out.")
        return
    for problem in problems:
        typer.echo(f"BROKEN {problem.run_id}: {problem.message}")
    typer.echo(f"{len(problems)} problems in the evidence of {len(rows)} runs.", err=True)
    raise typer.Exit(1)


@app.command()
def reset(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    wait: WaitOption = None,
) -> None:
    """Delete the embedded default folder (warehouse, demo inbox, reports); never while a writer is running."""
    settings = Settings()
    home = settings.home
    if home.exists() and (yes or typer.confirm(f"Delete {home}?")):
        with _writer(settings.db_path, wait, "concord reset"):
            shutil.rmtree(home)
        typer.echo(f"Deleted {home}.")


if __name__ == "__main__":
    app()
