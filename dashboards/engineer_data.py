"""Reads behind the engineer page: Prefect's run history through its client API, source health from the serving copy.

Prefect is read over HTTP with the sync client (``get_client(sync_client=True)``), never from its database. The
API address is ``PREFECT_API_URL`` in the dashboard's environment (``concord serve`` sets it). Reading is split in
two so the shaping is testable without a server:

- :func:`read_prefect` does the I/O: a health probe with a short timeout, then a handful of filtered reads, and
  returns either a :class:`PrefectReadout` (the client objects as received) or a :class:`PrefectProblem` (not
  configured, unreachable, or an API error) — never an exception, so the page can say what is wrong.
- the ``*_frame`` functions are pure: client objects (``FlowRun``, ``DeploymentResponse``, ``TaskRun``) in, Polars
  frames out, times in UTC.

Prefect is imported only inside these functions: importing it costs ~2 s, and the leadership pages (which never
import this module) must stay fast; with ``PREFECT_API_URL`` unset the engineer page does not import it either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import duckdb
import polars as pl
import streamlit as st

from dashboards import i18n
from dashboards.data import Snapshot, read_serving

if TYPE_CHECKING:
    from prefect.client.schemas.objects import DeploymentSchedule, FlowRun, TaskRun
    from prefect.client.schemas.responses import DeploymentResponse

PREFECT_TIMEOUT_S = 2.0  # per HTTP request; the page must say "unreachable" within ~2 s, not hang
PREFECT_CACHE_TTL_S = 10  # API reads are cached this long: a rerun (a filter click) does not call Prefect again
RECENT_RUNS_LIMIT = 100  # flow runs listed, newest first
SCHEDULED_RUNS_LIMIT = 50  # upcoming scheduled runs listed, soonest first
FAILED_TASKS_LIMIT = 5  # failing task runs shown for the last failed flow run
PARAMETERS_SUMMARY_CHARS = 120  # a run's parameters are summarised on one line of at most this many characters
REJECTED_BATCHES_LIMIT = 50  # newest rejected files listed
RECENT_REJECTIONS = timedelta(days=7)  # "rejected recently" in the per-source health table

# Prefect state types (prefect.client.schemas.objects.StateType values), in the order the filter offers them.
STATE_TYPES = ("COMPLETED", "FAILED", "CRASHED", "RUNNING", "PENDING", "SCHEDULED", "CANCELLING", "CANCELLED", "PAUSED")
FAILURE_STATE_TYPES = ("FAILED", "CRASHED")

RUN_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "flow_run_id": pl.String,
    "run_name": pl.String,
    "flow": pl.String,
    "deployment": pl.String,
    "state_type": pl.String,
    "state_name": pl.String,
    "started_at": pl.Datetime("us", "UTC"),
    "ended_at": pl.Datetime("us", "UTC"),
    "duration_s": pl.Float64,
    "parameters": pl.String,
}


# --- reading Prefect -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrefectProblem:
    """Why there is nothing from Prefect: ``not_configured`` (no URL), ``unreachable`` or ``api_error``."""

    kind: Literal["not_configured", "unreachable", "api_error"]
    api_url: str | None
    detail: str = ""


@dataclass(frozen=True)
class PrefectReadout:
    """What the Prefect API returned, as client objects, at ``read_at`` (UTC)."""

    api_url: str
    read_at: datetime
    runs: list[FlowRun]  # the recent runs that are not merely scheduled, newest expected start first
    scheduled: list[FlowRun]  # runs in a SCHEDULED state (incl. "Late"), soonest first
    deployments: list[DeploymentResponse]
    flow_names: dict[UUID, str]
    last_failure: FlowRun | None  # the failed or crashed run that ended last
    failed_tasks: list[TaskRun] = field(default_factory=list)  # its failed or crashed task runs


def prefect_api_url() -> str | None:
    """The Prefect API address from ``PREFECT_API_URL``, or None when it is unset or blank."""
    url = os.environ.get("PREFECT_API_URL", "").strip()
    return url.rstrip("/") or None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


def read_prefect(api_url: str, timeout_s: float = PREFECT_TIMEOUT_S) -> PrefectReadout | PrefectProblem:
    """Read runs, deployments and the last failure from the Prefect API at ``api_url``; a problem, never a raise."""
    import httpx

    # A plain probe first: the Prefect client retries connection errors with back-off (up to
    # PREFECT_CLIENT_MAX_RETRIES times), which would keep the page waiting for many seconds on a dead server.
    try:
        httpx.get(f"{api_url}/health", timeout=timeout_s).raise_for_status()
    except (httpx.HTTPError, OSError) as error:
        return PrefectProblem("unreachable", api_url, _first_line(error))
    try:
        return _read_prefect(api_url, timeout_s)
    except Exception as error:  # an I/O boundary: any API failure becomes a message on the page, not a trace
        return PrefectProblem("api_error", api_url, _first_line(error))


def _read_prefect(api_url: str, timeout_s: float) -> PrefectReadout:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterId,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    failure_types = [StateType(t) for t in FAILURE_STATE_TYPES]
    # The URL is passed explicitly (a Prefect profile must not point the page elsewhere); no retries, so a server
    # that stops answering mid-read costs one timeout, not several with back-off.
    with (
        temporary_settings({PREFECT_API_URL: api_url, PREFECT_CLIENT_MAX_RETRIES: 0}),
        get_client(httpx_settings={"timeout": timeout_s}, sync_client=True) as client,
    ):
        read_at = datetime.now(UTC)
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED]))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
            limit=RECENT_RUNS_LIMIT,
        )
        scheduled = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=SCHEDULED_RUNS_LIMIT,
        )
        failures = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=failure_types))),
            sort=FlowRunSort.END_TIME_DESC,
            limit=1,
        )
        deployments = client.read_deployments(limit=200)
        last_failure = failures[0] if failures else None
        failed_tasks = (
            client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[last_failure.id])),
                task_run_filter=TaskRunFilter(
                    state=TaskRunFilterState(type=TaskRunFilterStateType(any_=failure_types))
                ),
                sort=TaskRunSort.EXPECTED_START_TIME_DESC,
                limit=FAILED_TASKS_LIMIT,
            )
            if last_failure is not None
            else []
        )
        flow_ids = {r.flow_id for r in (*runs, *scheduled, *failures)} | {d.flow_id for d in deployments}
        flows = client.read_flows(flow_filter=FlowFilter(id=FlowFilterId(any_=list(flow_ids)))) if flow_ids else []
    return PrefectReadout(
        api_url=api_url,
        read_at=read_at,
        runs=list(runs),
        scheduled=list(scheduled),
        deployments=list(deployments),
        flow_names={f.id: f.name for f in flows},
        last_failure=last_failure,
        failed_tasks=list(failed_tasks),
    )


# --- shaping Prefect objects into frames (pure) ----------------------------------------------------------


def _state_type(run: FlowRun | TaskRun) -> str | None:
    """The state type's value (``COMPLETED``…): from the state if the object carries it, else the summary field."""
    if run.state is not None:
        return str(run.state.type.value)
    return str(run.state_type.value) if run.state_type is not None else None


def _state_name(run: FlowRun | TaskRun) -> str | None:
    return run.state.name if run.state is not None else run.state_name


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def run_duration(run: FlowRun, now: datetime) -> timedelta | None:
    """Wall time of a run: end − start when it ended, now − start while it runs, None before it starts."""
    if run.start_time is None:
        return None
    end = run.end_time if run.end_time is not None else now if _state_type(run) == "RUNNING" else None
    return end - run.start_time if end is not None else None


def parameters_summary(parameters: dict[str, Any], limit: int = PARAMETERS_SUMMARY_CHARS) -> str:
    """``key=value`` pairs sorted by key, values as JSON, cut to ``limit`` characters with an ellipsis."""
    text = ", ".join(
        f"{key}={json.dumps(parameters[key], default=str, ensure_ascii=False)}" for key in sorted(parameters)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def deployment_names(deployments: Iterable[DeploymentResponse]) -> dict[UUID, str]:
    return {d.id: d.name for d in deployments}


def _name(names: dict[UUID, str], key: UUID | None) -> str | None:
    """The name for ``key``; an id the lookup does not know (e.g. a deleted deployment) is shown as its id."""
    if key is None:
        return None
    return names.get(key, str(key))


def runs_frame(
    runs: Sequence[FlowRun], flow_names: dict[UUID, str], deployment_names: dict[UUID, str], now: datetime
) -> pl.DataFrame:
    """One row per flow run: id, name, flow, deployment, state type and name, start, end, duration (s), parameters."""
    rows = []
    for run in runs:
        duration = run_duration(run, now)
        rows.append(
            {
                "flow_run_id": str(run.id),
                "run_name": run.name,
                "flow": _name(flow_names, run.flow_id),
                "deployment": _name(deployment_names, run.deployment_id),
                "state_type": _state_type(run),
                "state_name": _state_name(run),
                "started_at": _utc(run.start_time),
                "ended_at": _utc(run.end_time),
                "duration_s": duration.total_seconds() if duration is not None else None,
                "parameters": parameters_summary(run.parameters),
            }
        )
    return pl.DataFrame(rows, schema=RUN_SCHEMA)


def filter_runs(runs: pl.DataFrame, flows: Sequence[str] = (), state_types: Sequence[str] = ()) -> pl.DataFrame:
    """The runs of any of ``flows`` in any of ``state_types``; an empty choice means all."""
    condition = pl.lit(True)
    if flows:
        condition &= pl.col("flow").is_in(list(flows))
    if state_types:
        condition &= pl.col("state_type").is_in(list(state_types))
    return runs.filter(condition)


def describe_interval(interval: timedelta, lang: str) -> str:
    """``every 15 min`` / ``mỗi 15 phút``, in the largest whole unit (days, hours, minutes, else seconds)."""
    seconds = int(interval.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds and seconds % size == 0:
            return i18n.t(f"every_{unit}", lang, n=seconds // size)
    return i18n.t("every_second", lang, n=seconds)


def describe_schedule(schedule: DeploymentSchedule, lang: str) -> str:
    """One schedule, human-readable: an interval in words, a cron or RRULE with its time zone; marked if inactive."""
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

    rule = schedule.schedule
    if isinstance(rule, IntervalSchedule):
        text = describe_interval(rule.interval, lang)
    elif isinstance(rule, CronSchedule):
        text = i18n.t("schedule_cron", lang, cron=rule.cron, tz=rule.timezone or "UTC")
    elif isinstance(rule, RRuleSchedule):
        text = i18n.t("schedule_rrule", lang, rrule=rule.rrule, tz=rule.timezone or "UTC")
    else:  # NoSchedule
        text = i18n.MISSING
    return text if schedule.active else f"{text} ({i18n.t('schedule_inactive', lang)})"


def deployments_frame(
    deployments: Sequence[DeploymentResponse],
    flow_names: dict[UUID, str],
    scheduled: Sequence[FlowRun],
    lang: str,
) -> pl.DataFrame:
    """One row per deployment (by flow, then name): flow, deployment, schedules, paused, next scheduled run (UTC)."""
    next_run: dict[UUID, datetime] = {}
    for run in scheduled:
        when = run.expected_start_time or run.next_scheduled_start_time
        if run.deployment_id is not None and when is not None:
            current = next_run.get(run.deployment_id)
            next_run[run.deployment_id] = when if current is None else min(current, when)
    rows = [
        {
            "flow": _name(flow_names, d.flow_id),
            "deployment": d.name,
            "schedule": "; ".join(describe_schedule(s, lang) for s in d.schedules) or None,
            "paused": bool(d.paused),
            "next_run_at": _utc(next_run.get(d.id)),
        }
        for d in deployments
    ]
    return pl.DataFrame(
        rows,
        schema={
            "flow": pl.String,
            "deployment": pl.String,
            "schedule": pl.String,
            "paused": pl.Boolean,
            "next_run_at": pl.Datetime("us", "UTC"),
        },
    ).sort("flow", "deployment")


def scheduled_frame(
    scheduled: Sequence[FlowRun], flow_names: dict[UUID, str], deployment_names: dict[UUID, str]
) -> pl.DataFrame:
    """The upcoming runs, soonest first: expected start (UTC), flow, deployment, run name, state name (e.g. Late)."""
    rows = [
        {
            "expected_start_at": _utc(run.expected_start_time or run.next_scheduled_start_time),
            "flow": _name(flow_names, run.flow_id),
            "deployment": _name(deployment_names, run.deployment_id),
            "run_name": run.name,
            "state_name": _state_name(run),
        }
        for run in scheduled
    ]
    return pl.DataFrame(
        rows,
        schema={
            "expected_start_at": pl.Datetime("us", "UTC"),
            "flow": pl.String,
            "deployment": pl.String,
            "run_name": pl.String,
            "state_name": pl.String,
        },
    ).sort("expected_start_at", nulls_last=True)


def state_message(run: FlowRun | TaskRun) -> str | None:
    """The message of the run's state (for a failure, Prefect puts the exception there)."""
    return run.state.message if run.state is not None else None


def failure_frame(
    failure: FlowRun, failed_tasks: Sequence[TaskRun], flow_names: dict[UUID, str], deployment_names: dict[UUID, str]
) -> pl.DataFrame:
    """The last failure: one row for the flow run, then one per failing task run (kind ``flow_run`` / ``task_run``)."""
    failed_at = failure.end_time or (failure.state.timestamp if failure.state is not None else None)
    rows = [
        {
            "kind": "flow_run",
            "name": failure.name,
            "flow": _name(flow_names, failure.flow_id),
            "deployment": _name(deployment_names, failure.deployment_id),
            "state_name": _state_name(failure),
            "failed_at": _utc(failed_at),
            "message": state_message(failure),
            "flow_run_id": str(failure.id),
        }
    ]
    rows += [
        {
            "kind": "task_run",
            "name": task.name,
            "flow": _name(flow_names, failure.flow_id),
            "deployment": _name(deployment_names, failure.deployment_id),
            "state_name": _state_name(task),
            "failed_at": _utc(task.end_time or (task.state.timestamp if task.state is not None else None)),
            "message": state_message(task),
            "flow_run_id": str(failure.id),
        }
        for task in failed_tasks
    ]
    return pl.DataFrame(
        rows,
        schema={
            "kind": pl.String,
            "name": pl.String,
            "flow": pl.String,
            "deployment": pl.String,
            "state_name": pl.String,
            "failed_at": pl.Datetime("us", "UTC"),
            "message": pl.String,
            "flow_run_id": pl.String,
        },
    )


def in_local_time(df: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Every UTC datetime column of ``df`` as naive local time in ``tz`` (how the tables show instants)."""
    return df.with_columns(
        pl.col(name).dt.convert_time_zone(tz).dt.replace_time_zone(None)
        for name, dtype in df.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    )


# --- source health from the serving copy --------------------------------------------------------------


def newest_loaded_batches(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per source with a loaded batch: the newest one's file name and run (ties: the file name sorting last)."""
    return con.sql(
        """
        SELECT source, arg_max(file_name, (loaded_at, file_name)) AS newest_file,
               arg_max(run_id, (loaded_at, file_name)) AS newest_run_id
        FROM audit.batches WHERE status = 'loaded'
        GROUP BY source ORDER BY source
        """
    ).pl()


def rejected_batches(con: duckdb.DuckDBPyConnection, limit: int = REJECTED_BATCHES_LIMIT) -> pl.DataFrame:
    """The newest rejected files (at most ``limit``): when, source, file, reason, run."""
    return con.sql(
        f"""
        SELECT loaded_at AS rejected_at, source, file_name, reason, run_id
        FROM audit.batches WHERE status = 'rejected'
        ORDER BY loaded_at DESC, source, file_name
        LIMIT {int(limit)}
        """
    ).pl()


def source_health(freshness: pl.DataFrame, newest: pl.DataFrame, rejected: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """Per source: the freshness row (``audit_data.freshness``), its newest file, and files rejected recently.

    ``rejected_recently`` counts the ``rejected`` rows of the last ``RECENT_REJECTIONS`` before ``now``
    (``rejected`` is the newest rejections, so a source with more than its limit is undercounted).
    """
    recent = (
        rejected.filter(pl.col("rejected_at") > now - RECENT_REJECTIONS)
        .group_by("source")
        .agg(pl.len().cast(pl.Int64).alias("rejected_recently"))
    )
    return (
        freshness.join(newest.select("source", "newest_file"), on="source", how="left")
        .join(recent, on="source", how="left")
        .with_columns(pl.col("rejected_recently").fill_null(0))
        .select("source", "newest_file", "newest_loaded_at", "age_days", "limit_days", "stale", "rejected_recently")
    )


# --- cached loaders -----------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, ttl=PREFECT_CACHE_TTL_S, max_entries=8)
def load_prefect(api_url: str) -> PrefectReadout | PrefectProblem:
    return read_prefect(api_url)


@st.cache_data(show_spinner=False, max_entries=64)
def load_newest_loaded_batches(snap: Snapshot) -> pl.DataFrame:
    return read_serving(snap, newest_loaded_batches)


@st.cache_data(show_spinner=False, max_entries=64)
def load_rejected_batches(snap: Snapshot) -> pl.DataFrame:
    return read_serving(snap, rejected_batches)
