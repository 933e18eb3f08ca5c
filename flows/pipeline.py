"""The flows: inbox files → raw/staging/quarantine → volume checks → marts → validation → evidence → serving copy.

``concord-pipeline`` does it all (``concord run``); the scheduled deployments (``flows/deployments.py``) run
parts of it: ``concord-ingest``, ``concord-metrics`` and ``concord-reports``. Every flow goes through
``run_steps``, which writes the run's audit.runs row, its evidence record and the serving copy. The flows are
thin: tasks do the I/O and call pure code in ``flows.ingest``, ``transforms`` and ``expectations``. One DuckDB
connection (the only writer) is opened by the run and passed to the tasks.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from concord.lock import writer_lock
from concord.notify import notify_failure
from concord.serving import publish
from concord.settings import Settings, serving_path
from concord.warehouse import connect, ensure_schema
from flows import parsing
from flows.ingest import BatchResult, ensure_raw_table, ingest_file
from flows.sources import SOURCES

# Tasks that touch files (or, later, the network) retry with exponential back-off: 1 s, 2 s, 4 s, each varied by
# Prefect's jitter (factor 0.5: between about 0.6x and 1.5x) so that retries of parallel tasks do not fall in step. Pure compute tasks
# (marts, validation) do not retry: the same input would fail the same way.
IO_RETRIES = 3
IO_BACKOFF = exponential_backoff(backoff_factor=1)
IO_JITTER = 0.5


@dataclass
class RunSummary:
    """What one pipeline run did, for the CLI and the tests."""

    run_id: str
    as_of: datetime
    batches: list[BatchResult] = field(default_factory=list)
    marts: dict[str, int] = field(default_factory=dict)
    validation: list[dict] = field(default_factory=list)
    volume: list[dict] = field(default_factory=list)
    serving: str = ""
    evidence_sha256: str = ""

    def counts(self) -> dict[str, int]:
        """Files by status and rows in / loaded / quarantined over the run."""
        totals = {"loaded": 0, "rejected": 0, "skipped": 0, "rows_in": 0, "rows_loaded": 0, "rows_quarantined": 0}
        for batch in self.batches:
            totals[batch.status] += 1
            totals["rows_in"] += batch.rows_in
            totals["rows_loaded"] += batch.rows_loaded
            totals["rows_quarantined"] += batch.rows_quarantined
        return totals


def inbox_files(inbox: Path) -> list[tuple[str, Path]]:
    """Every file of the inbox as (source, path), sources in load order, files by name within a source."""
    found = []
    for name in SOURCES:
        folder = inbox / name
        if folder.is_dir():
            found += [(name, p) for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")]
    return found


def code_version() -> str:
    """The package version plus the git commit when run from a checkout."""
    from concord import __version__

    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
            timeout=5,
        ).stdout.strip()
        return f"{__version__}+{sha}"
    except (OSError, subprocess.SubprocessError):
        return __version__


@task(
    name="ingest-file",
    retries=IO_RETRIES,
    retry_delay_seconds=IO_BACKOFF,
    retry_jitter_factor=IO_JITTER,
    cache_policy=NONE,
    task_run_name="ingest {path.name}",
)
def ingest_task(con: duckdb.DuckDBPyConnection, path: Path, source: str, run_id: str, inbox: Path) -> BatchResult:
    """Load one file as one batch (retried on I/O errors; the batch transaction makes a retry safe)."""
    return ingest_file(con, path, SOURCES[source], run_id=run_id, inbox=inbox)


def _log_batch(result: BatchResult) -> None:
    logger = get_run_logger()
    if result.status == "loaded":
        logger.info(
            "%s: %s rows in, %s loaded, %s quarantined",
            result.file_name,
            f"{result.rows_in:,}",
            f"{result.rows_loaded:,}",
            f"{result.rows_quarantined:,}",
        )
    elif result.status == "rejected":
        logger.warning("%s: rejected (%s)", result.file_name, result.reason)
    else:  # a file already loaded: one line per scheduled run would repeat every inbox file (run total below)
        logger.debug("%s: skipped, %s", result.file_name, result.reason)


@task(name="check-volumes", cache_policy=NONE)
def volume_task(con: duckdb.DuckDBPyConnection, run_id: str, settings: Settings) -> list[dict]:
    """Judge each source's rows loaded in this run against its own trailing history; store in audit.volume_checks."""
    from expectations.volume import store_volume_checks, volume_checks

    checks = volume_checks(
        con,
        run_id,
        datetime.now(UTC),
        list(SOURCES),
        history_runs=settings.volume_history_runs,
        min_history=settings.volume_min_history,
        k=settings.volume_mad_k,
        min_spread=settings.volume_min_spread,
    )
    store_volume_checks(con, run_id, checks)
    logger = get_run_logger()
    for row in checks.iter_rows(named=True):
        if row["status"] == "anomalous":
            logger.warning("volume: %s is anomalous: %s", row["source"], row["reason"])
    return checks.to_dicts()


@task(name="build-marts", cache_policy=NONE)
def marts_task(con: duckdb.DuckDBPyConnection, as_of: datetime, settings: Settings) -> dict[str, int]:
    """Recompute the marts from staging as of ``as_of``."""
    from transforms.build import build_marts

    return build_marts(con, as_of, settings.sla_hours, settings.duplicate_window_h, settings.local_tz)


@task(name="validate", cache_policy=NONE)
def validate_task(db: Path, run_id: str, docs_dir: Path, with_marts: bool = True) -> list[dict]:
    """Run the expectation suites by push-down on the warehouse file and build the Data Docs.

    Staged tables and audit.batches always; the mart suites only when the run built the marts (``with_marts``):
    marts left from an earlier run lag the staging tables an ingest just changed, and their cross-table checks
    would then fail for no fault in the data.
    """
    from expectations.suites import all_contracts
    from expectations.validate import validate_warehouse

    settings = Settings()
    contracts = all_contracts(settings.freshness_limits_h, settings.freshness_default_h, marts=with_marts)
    return validate_warehouse(db, run_id, docs_dir, contracts)


@task(
    name="write-evidence",
    retries=IO_RETRIES,
    retry_delay_seconds=IO_BACKOFF,
    retry_jitter_factor=IO_JITTER,
    cache_policy=NONE,
)
def evidence_task(
    con: duckdb.DuckDBPyConnection, record_fields: dict, evidence_dir: Path, created_at: datetime
) -> tuple[str, Path]:
    """Chain the run's evidence record to the previous one: a row of audit.evidence plus a JSON file."""
    from concord.evidence import write_evidence

    _, sha, path = write_evidence(con, record_fields, evidence_dir, created_at)
    return sha, path


@task(
    name="publish-serving-copy",
    retries=IO_RETRIES,
    retry_delay_seconds=IO_BACKOFF,
    retry_jitter_factor=IO_JITTER,
    cache_policy=NONE,
)
def publish_task(con: duckdb.DuckDBPyConnection, target: Path) -> str:
    """Publish the dashboard's serving copy atomically."""
    return str(publish(con, target))


def _open(db: Path, settings: Settings, as_of: datetime) -> duckdb.DuckDBPyConnection:
    con = connect(db)
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    ensure_schema(con)
    for source in SOURCES.values():
        ensure_raw_table(con, source)
    if settings.hmac_key is None:
        raise ValueError("CONCORD_HMAC_KEY is not set: it is needed to pseudonymise account handles at ingest")
    parsing.install(con, hmac_key=settings.hmac_key.get_secret_value().encode())
    con.execute(f"CREATE OR REPLACE TEMP MACRO run_as_of() AS TIMESTAMPTZ '{as_of.isoformat()}'")
    return con


# What a run can do besides writing audit.runs, the evidence record and the serving copy (every run does those).
STEPS = ("ingest", "marts", "validate")


@flow(name="concord-pipeline", log_prints=True, on_failure=[notify_failure])
def pipeline(
    inbox: Path, db: Path, as_of: datetime | None = None, run_validation: bool = True, wait_s: float | None = None
) -> RunSummary:
    """Ingest every inbox file, check volumes, rebuild the marts, validate staging and marts, publish the serving copy.

    ``as_of`` (default: now) is the run's notion of "now": timestamps after it are quarantined as future and
    SLA status is judged at it. The run holds the warehouse's writer lock throughout; ``wait_s`` (default: the
    writer_wait_s setting) is how long it waits for another writer before it fails with WriterBusy.
    """
    steps = ("ingest", "marts", "validate") if run_validation else ("ingest", "marts")
    return run_steps("concord-pipeline", steps, Path(inbox), Path(db), as_of, wait_s)


@flow(name="concord-ingest", log_prints=True, on_failure=[notify_failure])
def ingest_inbox(inbox: Path | None = None, db: Path | None = None, run_validation: bool = True) -> RunSummary:
    """Load the new inbox files, validate the staged tables and publish, so quarantine and reconciliation are
    current; the marts wait for the next ``concord-metrics`` run. Paths default to the settings."""
    settings = Settings()
    steps = ("ingest", "validate") if run_validation else ("ingest",)
    return run_steps(
        "concord-ingest",
        steps,
        inbox or settings.inbox_path,
        db or settings.db_path,
        None,
        settings.scheduled_writer_wait_s,
    )


@flow(name="concord-metrics", log_prints=True, on_failure=[notify_failure])
def refresh_metrics(db: Path | None = None, as_of: datetime | None = None) -> RunSummary:
    """Rebuild the marts from staging as of ``as_of`` (default: now) and publish them."""
    settings = Settings()
    return run_steps(
        "concord-metrics", ("marts",), None, db or settings.db_path, as_of, settings.scheduled_writer_wait_s
    )


@flow(name="concord-reports", log_prints=True, on_failure=[notify_failure])
def build_reports(db: Path | None = None, as_of: datetime | None = None) -> RunSummary:
    """Rebuild the marts, validate the staged tables, the key marts and audit.batches, and rebuild the Great
    Expectations Data Docs: the daily quality report. The marts are rebuilt first so that their suites judge marts
    of the same staging tables (an ingest since the last metrics run would otherwise fail the cross-table checks)."""
    settings = Settings()
    steps = ("marts", "validate")
    return run_steps("concord-reports", steps, None, db or settings.db_path, as_of, settings.scheduled_writer_wait_s)


def run_steps(
    flow_name: str,
    steps: Collection[str],
    inbox: Path | None,
    db: Path,
    as_of: datetime | None,
    wait_s: float | None = None,
) -> RunSummary:
    """One run of ``steps`` (in the order of ``STEPS``) inside the calling flow: audit.runs row, evidence, publish.

    ``inbox`` is needed only for the ingest step. The run holds the warehouse's writer lock throughout; ``wait_s``
    (default: the writer_wait_s setting) is how long it waits for another writer before it fails with WriterBusy.
    """
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown steps {sorted(unknown)}; a run can do {', '.join(STEPS)}")
    if "ingest" in steps and inbox is None:
        raise ValueError("the ingest step needs an inbox folder")
    settings = Settings()
    inbox = Path(inbox).resolve() if inbox is not None else None
    db = Path(db).resolve()
    with writer_lock(db, settings.writer_wait_s if wait_s is None else wait_s, what=flow_name):
        return _execute(flow_name, steps, inbox, db, as_of, settings)


def _execute(
    flow_name: str, steps: Collection[str], inbox: Path | None, db: Path, as_of: datetime | None, settings: Settings
) -> RunSummary:
    started = datetime.now(UTC)
    as_of = (as_of or started).astimezone(UTC)
    prefix = "run" if flow_name == "concord-pipeline" else flow_name.removeprefix("concord-")
    run_id = f"{prefix}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    summary = RunSummary(run_id=run_id, as_of=as_of)
    logger = get_run_logger()
    done = ", ".join(step for step in STEPS if step in steps)
    logger.info("run %s (%s): inbox %s → warehouse %s, as of %s", run_id, done, inbox or "-", db, as_of.isoformat())

    con = _open(db, settings, as_of)
    version = code_version()
    con.execute(
        "INSERT INTO audit.runs (run_id, started_at, finished_at, as_of, status, code_version, inbox, flow) "
        "VALUES (?, ?, NULL, ?, 'running', ?, ?, ?)",
        [run_id, started, as_of, version, str(inbox) if inbox else None, flow_name],
    )
    try:
        if "ingest" in steps and inbox is not None:
            for source, path in inbox_files(inbox):
                summary.batches.append(ingest_task(con, path, source, run_id, inbox))
                _log_batch(summary.batches[-1])
            summary.volume = volume_task(con, run_id, settings)
        if "marts" in steps:
            summary.marts = marts_task(con, as_of, settings)
            logger.info("marts: %s", ", ".join(f"{k} {v:,} rows" for k, v in summary.marts.items()))
        if "validate" in steps:
            con.close()  # GX opens the file itself; reopened right after
            docs_dir = (settings.home / "reports" / "data_docs").resolve()
            summary.validation = validate_task(db, run_id, docs_dir, with_marts="marts" in steps)
            failed = [r for r in summary.validation if not r["success"]]
            logger.info(
                "validation: %d suites, %d with failures; Data Docs in %s",
                len(summary.validation),
                len(failed),
                docs_dir,
            )
            for r in failed:
                logger.warning(
                    "validation: suite %s on %s: %s expectations failed", r["suite"], r["table"], r["failed"]
                )
            con = _open(db, settings, as_of)
        summary.evidence_sha256, summary.serving = finish_run(
            con,
            settings,
            db,
            run_id=run_id,
            as_of=as_of,
            started=started,
            version=version,
            validation=summary.validation,
            marts=summary.marts,
            volume=summary.volume,
        )
    except BaseException:
        con = con if _is_open(con) else _open(db, settings, as_of)
        con.execute(
            "UPDATE audit.runs SET status = 'failed', finished_at = ? WHERE run_id = ?", [datetime.now(UTC), run_id]
        )
        raise
    finally:
        if _is_open(con):
            con.close()
    totals = summary.counts()
    if "ingest" not in steps:
        logger.info("run %s done", run_id)
        return summary
    logger.info(
        "run %s done: %d files loaded, %d rejected, %d skipped; %s rows in = %s loaded + %s quarantined",
        run_id,
        totals["loaded"],
        totals["rejected"],
        totals["skipped"],
        f"{totals['rows_in']:,}",
        f"{totals['rows_loaded']:,}",
        f"{totals['rows_quarantined']:,}",
    )
    return summary


def finish_run(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    db: Path,
    *,
    run_id: str,
    as_of: datetime,
    started: datetime,
    version: str,
    validation: list[dict],
    marts: dict[str, int],
    volume: list[dict],
    on_step: Callable[[str], None] | None = None,
) -> tuple[str, str]:
    """The end of every run: mark it completed, chain its evidence record, publish the serving copy.

    Returns the evidence record's SHA-256 and the serving copy's path; ``on_step`` hears "evidence" and "publish".
    """
    finished = datetime.now(UTC)
    con.execute("UPDATE audit.runs SET status = 'completed', finished_at = ? WHERE run_id = ?", [finished, run_id])
    record_fields = {
        "run_id": run_id,
        "as_of": as_of,
        "started_at": started,
        "finished_at": finished,
        "code_version": version,
        "validation": validation,
        "marts": marts,
        "volume": volume,
    }
    sha, evidence_file = evidence_task(
        con, record_fields, (settings.home / "reports" / "evidence").resolve(), datetime.now(UTC)
    )
    get_run_logger().info("evidence: %s (sha256 %s)", evidence_file, sha)
    if on_step:
        on_step("evidence")
    serving = publish_task(con, serving_path(db))
    if on_step:
        on_step("publish")
    return sha, serving


def _is_open(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("SELECT 1")
        return True
    except duckdb.ConnectionException:
        return False
