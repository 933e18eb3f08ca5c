"""Failure notification: a flow's ``on_failure`` hook that POSTs a small JSON to ``CONCORD_FAILURE_WEBHOOK_URL``.

The hook never raises into the flow: a webhook that is down, slow or answers an error is logged as a warning
and the flow's own failure stays the one that counts. The URL may carry a token, so it is never logged.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from concord.settings import Settings

TIMEOUT_S = 5.0  # per attempt
ATTEMPTS = 3  # back-off 0.5 s, 1 s (±50 % jitter) between them: a notification is worth a short retry
BACKOFF_S = 0.5

logger = logging.getLogger("concord.notify")


def failure_payload(flow_name: str, flow_run_id: str, state_message: str | None, ui_url: str | None) -> dict[str, Any]:
    """The JSON a webhook receives: the flow, its run id, the failure message, when, and a link to the run."""
    link = f"{ui_url.rstrip('/')}/runs/flow-run/{flow_run_id}" if ui_url else None
    return {
        "event": "flow_run_failed",
        "flow": flow_name,
        "flow_run_id": flow_run_id,
        "message": state_message or "",
        "time": datetime.now(UTC).isoformat(),
        "ui_url": link,
    }


def post_json(url: str, payload: dict[str, Any], timeout_s: float = TIMEOUT_S, attempts: int = ATTEMPTS) -> bool:
    """POST ``payload`` as JSON; retry a network error or 5xx answer with exponential back-off. True on a 2xx."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    for attempt in range(attempts):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                if 200 <= response.status < 300:
                    return True
        except urllib.error.HTTPError as error:
            if error.code < 500:  # the receiver refuses this request: retrying will not help
                logger.warning("failure webhook answered HTTP %s; notification not delivered", error.code)
                return False
        except (urllib.error.URLError, OSError) as error:
            logger.warning("failure webhook unreachable (attempt %d of %d): %s", attempt + 1, attempts, error)
        if attempt + 1 < attempts:
            time.sleep(BACKOFF_S * 2**attempt * random.uniform(0.5, 1.5))
    logger.warning("failure webhook: notification not delivered after %d attempts", attempts)
    return False


def _ui_url() -> str | None:
    """Prefect's UI address when it is known: PREFECT_UI_URL, else derived from a PREFECT_API_URL ending in /api."""
    ui = os.environ.get("PREFECT_UI_URL")
    if ui:
        return ui
    api = os.environ.get("PREFECT_API_URL", "")
    return api[: -len("/api")] if api.endswith("/api") else None


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` hook: tell the configured webhook that a flow run failed; never raise."""
    try:
        url = Settings().failure_webhook_url
        if url is None:
            return
        payload = failure_payload(flow.name, str(flow_run.id), getattr(state, "message", None), _ui_url())
        post_json(url.get_secret_value(), payload)
    except Exception as error:  # a notification must never turn into a second failure of the flow
        logger.warning("failure notification skipped: %s", error)
