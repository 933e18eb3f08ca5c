"""The deployments `concord serve` runs, with their schedules from the settings (cron in ``local_tz``).

| deployment | schedule (default) | what it does |
|---|---|---|
| ``concord-ingest/scheduled`` | every ``ingest_every_minutes`` (15) | new inbox files → staging/quarantine, validate, publish |
| ``concord-metrics/scheduled`` | ``metrics_cron`` (hourly) | rebuild the marts as of now, publish |
| ``concord-reports/scheduled`` | ``reports_cron`` (06:00 daily) | rebuild the marts, validate staging, marts and
  batches, rebuild the Data Docs |
| ``concord-backfill/on-demand`` | none (run on demand) | recompute the marts of a local-date range |

``python -m flows.deployments`` serves them with ``prefect.serve`` (one flow run at a time, so the runner is the
warehouse's only writer); ``prefect.yaml`` at the repository root declares the same deployments for a work pool
and its workers (``tests/flows/test_deployments.py`` keeps the two in step). Paths are not deployment
parameters: each run resolves them from the ``CONCORD_*`` settings of the process that executes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from prefect import Flow, serve
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Interval

from concord.settings import Settings
from flows.backfill import backfill
from flows.pipeline import build_reports, ingest_inbox, refresh_metrics

TAGS = ["concord"]
# One flow run at a time: every flow writes the one DuckDB warehouse, which takes a single writer process.
RUNNER_LIMIT = 1


def deployments(settings: Settings) -> list[RunnerDeployment]:
    """The scheduled deployments, plus the backfill, run on demand (``prefect deployment run
    concord-backfill/on-demand -p date_from=… -p date_to=…``)."""
    tz = settings.local_tz

    def deploy(flow: Flow[Any, Any], name: str, **kwargs: Any) -> RunnerDeployment:
        # A module path (flows.pipeline.ingest_inbox) resolves from any working directory.
        built = flow.to_deployment(name=name, tags=TAGS, entrypoint_type=EntrypointType.MODULE_PATH, **kwargs)
        return cast(RunnerDeployment, built)  # to_deployment is sync here; its type also admits the async form

    found = [
        deploy(
            ingest_inbox,
            "scheduled",
            schedules=[
                Interval(timedelta(minutes=settings.ingest_every_minutes), anchor_date=local_midnight(tz), timezone=tz)
            ],
        ),
        deploy(refresh_metrics, "scheduled", schedules=[Cron(settings.metrics_cron, timezone=tz)]),
        deploy(build_reports, "scheduled", schedules=[Cron(settings.reports_cron, timezone=tz)]),
    ]
    return [*found, deploy(backfill, "on-demand")]


def local_midnight(tz: str) -> datetime:
    """A fixed anchor for the interval schedule, so runs fall on :00, :15, … rather than counting from start-up."""
    return datetime(2026, 1, 1, tzinfo=ZoneInfo(tz))


def main() -> None:
    """Serve the deployments until interrupted (Ctrl-C or SIGTERM); what `concord serve` runs as its runner."""
    serve(*deployments(Settings()), limit=RUNNER_LIMIT)


if __name__ == "__main__":
    main()
