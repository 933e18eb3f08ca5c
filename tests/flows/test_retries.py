"""Retries with exponential back-off on the tasks that touch files, none on pure compute."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prefect import flow

from flows import pipeline as pipeline_module
from flows.backfill import backfill_marts_task
from flows.ingest import BatchResult


def test_io_tasks_retry_with_exponential_backoff_and_jitter() -> None:
    for task in (pipeline_module.ingest_task, pipeline_module.evidence_task, pipeline_module.publish_task):
        assert task.retries == 3, task.name
        assert task.retry_delay_seconds == [1, 2, 4], task.name
        assert task.retry_jitter_factor == 0.5, task.name


def test_pure_compute_tasks_do_not_retry() -> None:
    for task in (pipeline_module.marts_task, pipeline_module.validate_task, backfill_marts_task):
        assert task.retries == 0, task.name


@pytest.mark.prefect
def test_an_ingest_that_fails_on_io_once_recovers_on_retry(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    loaded = BatchResult(
        batch_id="b1",
        source="cases",
        file_name="cases.csv",
        file_sha256="0" * 64,
        reason=None,
        status="loaded",
        rows_in=3,
        rows_loaded=3,
        rows_quarantined=0,
    )

    def flaky_ingest(*args: object, **kwargs: object) -> BatchResult:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OSError("Stale file handle")  # what a network share says when it blinks
        return loaded

    @flow
    def one_ingest(path: Path, inbox: Path) -> BatchResult:
        return pipeline_module.ingest_task(None, path, "cases", "run-x", inbox)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline_module, "ingest_file", flaky_ingest)
    result = one_ingest(tmp_path / "cases" / "cases.csv", tmp_path)
    assert result == loaded
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 0.5  # the first back-off: 1 s, jitter keeps it above ~0.63 s
