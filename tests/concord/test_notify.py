"""Failure notification: the flows' on_failure hook POSTs to a webhook on loopback, once per failed run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from concord.notify import failure_payload, post_json


class Webhook:
    """A local HTTP server in a thread that records every POST (path, JSON body) and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[dict] = []
        self.status = status
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                hook.received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep the test output clean
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/concord?token=t"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    hook = Webhook()
    monkeypatch.setenv("CONCORD_FAILURE_WEBHOOK_URL", hook.url)
    monkeypatch.setenv("PREFECT_UI_URL", "http://prefect.example/")
    yield hook
    hook.close()


def test_the_payload_names_the_flow_run_and_links_to_it() -> None:
    payload = failure_payload("concord-pipeline", "abc-123", "Flow run encountered an exception", "http://ui:4200/")
    assert payload["flow"] == "concord-pipeline" and payload["flow_run_id"] == "abc-123"
    assert payload["message"] == "Flow run encountered an exception"
    assert payload["ui_url"] == "http://ui:4200/runs/flow-run/abc-123"
    assert datetime.fromisoformat(payload["time"]).tzinfo is not None
    assert failure_payload("f", "id", None, None)["ui_url"] is None


def test_post_json_retries_a_server_error_then_gives_up_without_raising() -> None:
    hook = Webhook(status=503)
    try:
        assert post_json(hook.url, {"x": 1}, timeout_s=2, attempts=2) is False
        assert len(hook.received) == 2
    finally:
        hook.close()


def test_post_json_does_not_retry_a_refusal_or_raise_when_unreachable() -> None:
    hook = Webhook(status=401)
    try:
        assert post_json(hook.url, {"x": 1}, timeout_s=2) is False
        assert len(hook.received) == 1
    finally:
        hook.close()
    closed = Webhook()
    url = closed.url
    closed.close()
    assert post_json(url, {"x": 1}, timeout_s=1, attempts=1) is False


@pytest.mark.prefect
def test_a_failing_pipeline_run_posts_exactly_once(
    prefect_harness: None, webhook: Webhook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.pipeline import pipeline

    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    monkeypatch.delenv("CONCORD_HMAC_KEY", raising=False)  # the run fails: handles cannot be pseudonymised
    (tmp_path / "inbox").mkdir()
    with pytest.raises(ValueError, match="CONCORD_HMAC_KEY"):
        pipeline(inbox=tmp_path / "inbox", db=tmp_path / "concord.duckdb", run_validation=False)
    assert len(webhook.received) == 1
    post = webhook.received[0]
    assert post["path"] == "/hooks/concord?token=t"
    body = post["body"]
    assert body["event"] == "flow_run_failed" and body["flow"] == "concord-pipeline"
    assert "CONCORD_HMAC_KEY is not set" in body["message"]
    assert body["ui_url"] == f"http://prefect.example/runs/flow-run/{body['flow_run_id']}"
    assert datetime.fromisoformat(body["time"]) <= datetime.now(UTC)


@pytest.mark.prefect
def test_a_failing_backfill_posts_once_and_a_healthy_one_never(
    prefect_harness: None, webhook: Webhook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concord.warehouse import connect, ensure_schema
    from flows.backfill import backfill

    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError):
        backfill(date_from=date(2026, 10, 1), date_to=date(2026, 10, 2), db=tmp_path / "missing.duckdb")
    assert [p["body"]["flow"] for p in webhook.received] == ["concord-backfill"]

    db = tmp_path / "concord.duckdb"
    con = connect(db)
    ensure_schema(con)
    con.close()
    summary = backfill(date_from=date(2026, 10, 1), date_to=date(2026, 10, 2), db=db)
    assert summary.marts["marts.case_facts"] == 0
    assert len(webhook.received) == 1, "a healthy run must not notify"
