"""The engineer page's shaping: constructed Prefect client objects in, frames out; source health from audit rows."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from prefect.client.schemas.objects import DeploymentSchedule, FlowRun, State, StateType, TaskRun
from prefect.client.schemas.responses import DeploymentResponse
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

from concord.warehouse import connect
from dashboards import audit_data, engineer_data

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INGEST_FLOW, METRICS_FLOW = uuid4(), uuid4()
INGEST_DEP, GONE_DEP = uuid4(), uuid4()  # GONE_DEP: a deployment the server no longer lists
FLOWS = {INGEST_FLOW: "concord-ingest", METRICS_FLOW: "concord-metrics"}
DEPLOYMENTS = {INGEST_DEP: "ingest"}


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def flow_run(
    name: str,
    state: StateType,
    *,
    flow: UUID = INGEST_FLOW,
    deployment: UUID | None = INGEST_DEP,
    start: datetime | None = None,
    end: datetime | None = None,
    expected: datetime | None = None,
    state_name: str | None = None,
    message: str | None = None,
    parameters: dict[str, object] | None = None,
) -> FlowRun:
    return FlowRun(
        name=name,
        flow_id=flow,
        deployment_id=deployment,
        state=State(type=state, name=state_name or state.value.title(), message=message),
        start_time=start,
        end_time=end,
        expected_start_time=expected,
        parameters=parameters or {},
    )


def deployment(
    name: str, schedules: list[DeploymentSchedule], *, id_: UUID | None = None, paused: bool = False
) -> DeploymentResponse:
    return DeploymentResponse(id=id_ or uuid4(), name=name, flow_id=INGEST_FLOW, schedules=schedules, paused=paused)


def test_runs_frame_one_row_per_run_with_duration_and_names() -> None:
    runs = [
        flow_run("done", StateType.COMPLETED, start=at(-10), end=at(-8.5), parameters={"inbox": "in", "as_of": None}),
        # still running: its duration so far is now − start
        flow_run("busy", StateType.RUNNING, flow=METRICS_FLOW, deployment=None, start=at(-2)),
        # not started yet: no duration, not zero
        flow_run("waiting", StateType.PENDING, deployment=GONE_DEP),
        flow_run("retry", StateType.SCHEDULED, state_name="AwaitingRetry", start=at(-30), end=None),
    ]

    result = engineer_data.runs_frame(runs, FLOWS, DEPLOYMENTS, NOW).drop("flow_run_id")

    expected = pl.DataFrame(
        {
            "run_name": ["done", "busy", "waiting", "retry"],
            "flow": ["concord-ingest", "concord-metrics", "concord-ingest", "concord-ingest"],
            "deployment": ["ingest", None, str(GONE_DEP), "ingest"],
            "state_type": ["COMPLETED", "RUNNING", "PENDING", "SCHEDULED"],
            "state_name": ["Completed", "Running", "Pending", "AwaitingRetry"],
            "started_at": [at(-10), at(-2), None, at(-30)],
            "ended_at": [at(-8.5), None, None, None],
            "duration_s": [90.0, 120.0, None, None],
            "parameters": ['as_of=null, inbox="in"', "", "", ""],
        },
        schema={k: v for k, v in engineer_data.RUN_SCHEMA.items() if k != "flow_run_id"},
    )
    assert_frame_equal(result, expected)
    assert engineer_data.runs_frame(runs, FLOWS, DEPLOYMENTS, NOW)["flow_run_id"].to_list() == [str(r.id) for r in runs]


def test_runs_frame_of_no_runs_is_empty_with_the_schema() -> None:
    result = engineer_data.runs_frame([], FLOWS, DEPLOYMENTS, NOW)

    assert result.is_empty()
    assert result.schema == pl.Schema(engineer_data.RUN_SCHEMA)


@pytest.mark.parametrize(
    ("parameters", "limit", "expected"),
    [
        ({}, 120, ""),
        ({"b": 2, "a": "x"}, 120, 'a="x", b=2'),  # sorted by key, values as JSON
        ({"when": datetime(2026, 1, 2, tzinfo=UTC)}, 120, 'when="2026-01-02 00:00:00+00:00"'),  # not JSON: str()
        ({"inbox": "hộp thư"}, 120, 'inbox="hộp thư"'),  # Vietnamese stays readable
        ({"a": "x" * 20}, 10, 'a="xxxxxx…'),  # cut to the limit, the ellipsis included
    ],
)
def test_parameters_summary(parameters: dict[str, object], limit: int, expected: str) -> None:
    result = engineer_data.parameters_summary(parameters, limit)

    assert result == expected
    assert len(result) <= limit


def test_filter_runs_by_flow_and_state_and_empty_means_all() -> None:
    runs = engineer_data.runs_frame(
        [
            flow_run("a", StateType.COMPLETED),
            flow_run("b", StateType.FAILED),
            flow_run("c", StateType.FAILED, flow=METRICS_FLOW),
            flow_run("d", StateType.CRASHED, flow=METRICS_FLOW),
        ],
        FLOWS,
        DEPLOYMENTS,
        NOW,
    )

    def names(flows: tuple[str, ...], states: tuple[str, ...]) -> list[str]:
        return engineer_data.filter_runs(runs, flows, states)["run_name"].to_list()

    assert names((), ()) == ["a", "b", "c", "d"]
    assert names(("concord-metrics",), ()) == ["c", "d"]
    assert names((), engineer_data.FAILURE_STATE_TYPES) == ["b", "c", "d"]
    assert names(("concord-ingest",), ("FAILED",)) == ["b"]


@pytest.mark.parametrize(
    ("interval", "vi", "en"),
    [
        (timedelta(minutes=15), "mỗi 15 phút", "every 15 min"),
        (timedelta(hours=1), "mỗi 1 giờ", "every 1 h"),
        (timedelta(minutes=90), "mỗi 90 phút", "every 90 min"),  # not a whole number of hours
        (timedelta(days=1), "mỗi 1 ngày", "every 1 day(s)"),
        (timedelta(seconds=45), "mỗi 45 giây", "every 45 s"),
    ],
)
def test_describe_interval(interval: timedelta, vi: str, en: str) -> None:
    assert engineer_data.describe_interval(interval, "vi") == vi
    assert engineer_data.describe_interval(interval, "en") == en


@pytest.mark.parametrize(
    ("schedule", "lang", "expected"),
    [
        (DeploymentSchedule(schedule=IntervalSchedule(interval=timedelta(minutes=15))), "en", "every 15 min"),
        (
            DeploymentSchedule(schedule=CronSchedule(cron="0 * * * *", timezone="Asia/Ho_Chi_Minh")),
            "en",
            "cron 0 * * * * (Asia/Ho_Chi_Minh)",
        ),
        (DeploymentSchedule(schedule=CronSchedule(cron="0 6 * * *")), "vi", "cron 0 6 * * * (UTC)"),
        (DeploymentSchedule(schedule=RRuleSchedule(rrule="FREQ=DAILY")), "en", "RRULE FREQ=DAILY (UTC)"),
        (
            DeploymentSchedule(schedule=IntervalSchedule(interval=timedelta(hours=2)), active=False),
            "vi",
            "mỗi 2 giờ (đang tắt)",
        ),
    ],
)
def test_describe_schedule(schedule: DeploymentSchedule, lang: str, expected: str) -> None:
    assert engineer_data.describe_schedule(schedule, lang) == expected


def test_deployments_frame_next_run_is_the_soonest_scheduled_run_of_each_deployment() -> None:
    metrics_dep = uuid4()
    deployments = [
        deployment(
            "metrics",
            [DeploymentSchedule(schedule=CronSchedule(cron="0 * * * *", timezone="Asia/Ho_Chi_Minh"))],
            id_=metrics_dep,
            paused=True,
        ),
        deployment(
            "ingest",
            [
                DeploymentSchedule(schedule=IntervalSchedule(interval=timedelta(minutes=15))),
                DeploymentSchedule(schedule=CronSchedule(cron="30 2 * * *"), active=False),
            ],
            id_=INGEST_DEP,
        ),
        deployment("backfill", []),  # on demand only: no schedule, no next run
    ]
    scheduled = [
        flow_run("later", StateType.SCHEDULED, expected=at(30)),
        flow_run("sooner", StateType.SCHEDULED, expected=at(15)),
        flow_run("metrics", StateType.SCHEDULED, deployment=metrics_dep, expected=at(60)),
        flow_run("adhoc", StateType.SCHEDULED, deployment=None, expected=at(1)),  # no deployment: not a next run
    ]

    result = engineer_data.deployments_frame(deployments, FLOWS, scheduled, "en")

    expected = pl.DataFrame(
        {
            "flow": ["concord-ingest"] * 3,
            "deployment": ["backfill", "ingest", "metrics"],
            "schedule": [
                None,
                "every 15 min; cron 30 2 * * * (UTC) (inactive)",
                "cron 0 * * * * (Asia/Ho_Chi_Minh)",
            ],
            "paused": [False, False, True],
            "next_run_at": [None, at(15), at(60)],
        },
        schema_overrides={"next_run_at": pl.Datetime("us", "UTC")},
    )
    assert_frame_equal(result, expected)


def test_scheduled_frame_soonest_first_with_prefects_state_name() -> None:
    scheduled = [
        flow_run("b", StateType.SCHEDULED, expected=at(15)),
        flow_run("a", StateType.SCHEDULED, expected=at(-5), state_name="Late"),
    ]

    result = engineer_data.scheduled_frame(scheduled, FLOWS, DEPLOYMENTS)

    assert result.select("run_name", "state_name", "expected_start_at").rows() == [
        ("a", "Late", at(-5)),
        ("b", "Scheduled", at(15)),
    ]


def test_failure_frame_the_flow_run_then_its_failing_tasks() -> None:
    failure = flow_run(
        "broken",
        StateType.FAILED,
        start=at(-5),
        end=at(-4),
        message="Flow run encountered an exception: ValueError: bad inbox",
    )
    task = TaskRun(
        name="load_batch-0",
        flow_run_id=failure.id,
        task_key="load_batch",
        dynamic_key="0",
        end_time=at(-4.5),
        state=State(type=StateType.FAILED, name="Failed", message="Task run encountered an exception: ValueError"),
    )

    result = engineer_data.failure_frame(failure, [task], FLOWS, DEPLOYMENTS)

    expected = pl.DataFrame(
        {
            "kind": ["flow_run", "task_run"],
            "name": ["broken", "load_batch-0"],
            "flow": ["concord-ingest"] * 2,
            "deployment": ["ingest"] * 2,
            "state_name": ["Failed", "Failed"],
            "failed_at": [at(-4), at(-4.5)],
            "message": [
                "Flow run encountered an exception: ValueError: bad inbox",
                "Task run encountered an exception: ValueError",
            ],
            "flow_run_id": [str(failure.id)] * 2,
        },
    )
    assert_frame_equal(result, expected)


def test_in_local_time_converts_only_zoned_datetimes() -> None:
    frame = pl.DataFrame({"at": [datetime(2026, 1, 1, 17, 30, tzinfo=UTC)], "n": [1]})

    result = engineer_data.in_local_time(frame, "Asia/Ho_Chi_Minh")

    assert_frame_equal(result, pl.DataFrame({"at": [datetime(2026, 1, 2, 0, 30)], "n": [1]}))


@pytest.fixture
def audit_con(fixture_rows: Callable[[duckdb.DuckDBPyConnection], None]) -> duckdb.DuckDBPyConnection:
    """The dashboard fixture's audit rows (BATCHES_SQL in tests/dashboards/conftest.py) in memory."""
    con = connect(":memory:")
    fixture_rows(con)
    return con


def test_newest_loaded_batch_per_source(audit_con: duckdb.DuckDBPyConnection) -> None:
    result = engineer_data.newest_loaded_batches(audit_con)

    # b-rej (cases, rejected, the newest row of cases) is not a loaded batch
    assert result.rows() == [
        ("agencies", "agencies.csv", "run-0001"),
        ("cases", "cases_2025-01-19.csv", "run-0001"),
        ("platform_actions", "platform_actions.csv", "run-0001"),
        ("referrals", "referrals.jsonl", "run-0001"),
    ]


def test_rejected_batches_newest_first_with_reason(audit_con: duckdb.DuckDBPyConnection) -> None:
    result = engineer_data.rejected_batches(audit_con)

    assert result.rows() == [
        (datetime(2025, 1, 21, 0, 5, 30, tzinfo=UTC), "cases", "cases_bad.csv", "missing column case_id", "run-0002")
    ]


def test_source_health_joins_freshness_newest_file_and_recent_rejections(
    audit_con: duckdb.DuckDBPyConnection,
) -> None:
    now = datetime(2025, 1, 22, tzinfo=UTC)  # b-rej (01-21 00:05) is recent; every loaded batch is ~2 days old
    fresh = audit_data.freshness(audit_data.newest_loaded(audit_con), now)

    result = engineer_data.source_health(
        fresh, engineer_data.newest_loaded_batches(audit_con), engineer_data.rejected_batches(audit_con), now
    )

    assert result.columns == [
        "source",
        "newest_file",
        "newest_loaded_at",
        "age_days",
        "limit_days",
        "stale",
        "rejected_recently",
    ]
    assert result.select("source", "newest_file", "stale", "rejected_recently").rows() == [
        ("agencies", "agencies.csv", False, 0),  # 30-day limit
        ("cases", "cases_2025-01-19.csv", False, 1),  # 1 d 23 h 53 min 30 s < 2 days
        ("platform_actions", "platform_actions.csv", False, 0),
        ("public_responses", None, True, 0),  # never loaded: stale
        ("referrals", "referrals.jsonl", False, 0),
    ]
    later = engineer_data.source_health(
        fresh,
        engineer_data.newest_loaded_batches(audit_con),
        engineer_data.rejected_batches(audit_con),
        now + engineer_data.RECENT_REJECTIONS,
    )
    assert later["rejected_recently"].sum() == 0  # the rejection is no longer recent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_is_a_problem_reported_fast_not_an_exception() -> None:
    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    started = time.monotonic()

    result = engineer_data.read_prefect(url)

    assert time.monotonic() - started < 2.5
    assert isinstance(result, engineer_data.PrefectProblem)
    assert result.kind == "unreachable"
    assert result.api_url == url
    assert "ConnectError" in result.detail


def test_a_server_that_never_answers_times_out_within_the_budget() -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never replies
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/api"
        started = time.monotonic()

        result = engineer_data.read_prefect(url, timeout_s=0.5)

        elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 2.0
    assert isinstance(result, engineer_data.PrefectProblem)
    assert result.kind == "unreachable"
    assert "Timeout" in result.detail


@pytest.mark.parametrize(("value", "expected"), [("", None), ("  ", None), ("http://h:4200/api/", "http://h:4200/api")])
def test_prefect_api_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str | None
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", value)

    assert engineer_data.prefect_api_url() == expected


def test_prefect_api_url_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)

    assert engineer_data.prefect_api_url() is None
