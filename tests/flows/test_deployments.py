"""The deployments: schedules from the settings, entrypoints that resolve, and prefect.yaml in step with the code.

No server: building a deployment object talks to no API.
"""

from __future__ import annotations

import inspect
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.cli.deploy._schedules import _schedule_config_to_deployment_schedule
from prefect.flows import load_flow_from_entrypoint

import flows.deployments
from concord.settings import Settings
from flows.backfill import backfill
from flows.deployments import deployments
from flows.pipeline import build_reports, ingest_inbox, refresh_metrics

REPO = Path(__file__).resolve().parents[2]


def by_name(settings: Settings) -> dict[str, Any]:
    return {f"{d.flow_name}/{d.name}": d for d in deployments(settings)}


def test_the_default_schedules_are_every_15_minutes_hourly_and_daily_in_local_time() -> None:
    found = by_name(Settings(_env_file=None))  # type: ignore[call-arg]
    assert set(found) == {
        "concord-ingest/scheduled",
        "concord-metrics/scheduled",
        "concord-reports/scheduled",
        "concord-backfill/on-demand",
    }
    ingest = found["concord-ingest/scheduled"].schedules[0].schedule
    assert ingest.interval == timedelta(minutes=15)
    assert ingest.timezone == "Asia/Ho_Chi_Minh"
    # Anchored at a local midnight, so runs fall on :00, :15, :30 and :45 whenever the service started.
    assert (ingest.anchor_date.hour, ingest.anchor_date.minute, ingest.anchor_date.utcoffset()) == (
        0,
        0,
        timedelta(hours=7),
    )
    assert [(d.schedules[0].schedule.cron, d.schedules[0].schedule.timezone) for d in
            (found["concord-metrics/scheduled"], found["concord-reports/scheduled"])] == [
        ("0 * * * *", "Asia/Ho_Chi_Minh"), ("0 6 * * *", "Asia/Ho_Chi_Minh")]  # fmt: skip
    assert all(d.schedules[0].active and not d.paused for d in found.values() if d.schedules)


def test_schedules_follow_the_settings() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, ingest_every_minutes=0.1, metrics_cron="*/5 * * * *", reports_cron="30 7 * * 1", local_tz="UTC"
    )
    found = by_name(settings)
    assert found["concord-ingest/scheduled"].schedules[0].schedule.interval == timedelta(seconds=6)
    assert found["concord-metrics/scheduled"].schedules[0].schedule.cron == "*/5 * * * *"
    assert found["concord-reports/scheduled"].schedules[0].schedule.cron == "30 7 * * 1"
    assert {d.schedules[0].schedule.timezone for d in found.values() if d.schedules} == {"UTC"}


def test_the_settings_reject_a_schedule_that_cannot_work() -> None:
    with pytest.raises(ValueError, match="ingest_every_minutes"):
        Settings(_env_file=None, ingest_every_minutes=0)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="cron"):
        deployments(Settings(_env_file=None, metrics_cron="every hour"))  # type: ignore[call-arg]


def test_deployments_carry_no_paths_each_run_reads_them_from_its_settings() -> None:
    # A path baked into a deployment would outlive a change of CONCORD_HOME; the flows default to the settings.
    for deployment in deployments(Settings(_env_file=None)):  # type: ignore[call-arg]
        assert deployment.parameters == {}
        assert deployment.tags == ["concord"]


def test_entrypoints_resolve_to_the_flow_functions() -> None:
    flows = {
        "concord-ingest": ingest_inbox,
        "concord-metrics": refresh_metrics,
        "concord-reports": build_reports,
        "concord-backfill": backfill,
    }
    for deployment in deployments(Settings(_env_file=None)):  # type: ignore[call-arg]
        assert load_flow_from_entrypoint(deployment.entrypoint) is flows[deployment.flow_name]


def test_the_runner_serves_them_one_flow_run_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every flow writes the one DuckDB warehouse, which admits a single writer process.
    served: dict[str, Any] = {}
    monkeypatch.setattr(flows.deployments, "serve", lambda *args, **kwargs: served.update(args=args, kwargs=kwargs))
    monkeypatch.setenv("CONCORD_INGEST_EVERY_MINUTES", "5")
    flows.deployments.main()
    assert served["kwargs"] == {"limit": 1}
    assert [f"{d.flow_name}/{d.name}" for d in served["args"]] == list(by_name(Settings()))
    assert served["args"][0].schedules[0].schedule.interval == timedelta(minutes=5)


def test_backfill_is_served_on_demand_without_a_schedule() -> None:
    served = by_name(Settings(_env_file=None))  # type: ignore[call-arg]
    assert served["concord-backfill/on-demand"].schedules in (None, [])


# --- prefect.yaml ---


@pytest.fixture(scope="module")
def prefect_yaml() -> dict[str, Any]:
    document = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    PrefectYamlModel.model_validate(document)  # the shape `prefect deploy` accepts
    return {f"{d['flow_name']}/{d['name']}": d for d in document["deployments"]}


def test_prefect_yaml_declares_the_same_deployments_as_the_code(prefect_yaml: dict[str, Any]) -> None:
    in_code = set(by_name(Settings(_env_file=None)))  # type: ignore[call-arg]
    assert set(prefect_yaml) == in_code, "prefect.yaml and flows/deployments.py declare different deployments"


def test_prefect_yaml_schedules_are_the_default_settings(prefect_yaml: dict[str, Any]) -> None:
    for name, deployment in by_name(Settings(_env_file=None)).items():  # type: ignore[call-arg]
        declared = [
            _schedule_config_to_deployment_schedule(s)["schedule"] for s in prefect_yaml[name].get("schedules") or []
        ]
        assert declared == [s.schedule for s in deployment.schedules], name


def test_prefect_yaml_entrypoints_are_the_same_flows(prefect_yaml: dict[str, Any]) -> None:
    for name, deployment in by_name(Settings(_env_file=None)).items():  # type: ignore[call-arg]
        declared = prefect_yaml[name]
        in_yaml = load_flow_from_entrypoint(str(REPO / declared["entrypoint"]))  # a file path: loaded as a new module
        in_code = load_flow_from_entrypoint(deployment.entrypoint)
        assert in_yaml.name == in_code.name == declared["flow_name"]
        assert in_yaml.fn.__name__ == in_code.fn.__name__
        assert Path(inspect.getfile(in_yaml.fn)).resolve() == Path(inspect.getfile(in_code.fn)).resolve()
        assert declared["tags"] == deployment.tags
        assert declared["work_pool"]["name"] == "concord"
        assert not declared.get("parameters")
