"""Configuration in one typed place: every field described, read from ``CONCORD_*`` variables or ``.env``.

Settings are resolved when a command or flow starts, never at import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Concord's settings; environment variables are the field names prefixed with ``CONCORD_``."""

    model_config = SettingsConfigDict(env_prefix="CONCORD_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".concord"), description="Folder for the embedded default: warehouse, demo inbox, reports.")
    db: Path | None = Field(None, description="DuckDB warehouse file; defaults to <home>/concord.duckdb.")
    inbox: Path | None = Field(
        None, description="Inbox folder with one sub-folder per source; defaults to <home>/inbox."
    )
    hmac_key: SecretStr | None = Field(
        None,
        description="Key for pseudonymising account handles (HMAC-SHA256). Required by `concord run`; never stored.",
    )
    local_tz: str = Field(
        "Asia/Ho_Chi_Minh", description="Time zone of agency timestamps without offset and of reporting days."
    )
    sla_hours: dict[int, float] = Field(
        default_factory=lambda: {4: 4.0, 3: 24.0, 2: 72.0, 1: 168.0},
        description="SLA target in hours by severity (4 = critical … 1 = low).",
    )
    duplicate_window_h: float = Field(168.0, description="Window in hours for uncoordinated duplicates.")
    duckdb_memory_limit: str = Field(
        "1GB",
        description="DuckDB buffer-pool limit for the pipeline's connection (it spills to disk beyond it); "
        "DuckDB's own default, 80% of RAM, let a 10 M-row ingest peak at 2.35 GB.",
    )
    ingest_every_minutes: float = Field(
        15.0,
        gt=0,
        description="How often the concord-ingest deployment loads new inbox files (minutes; `concord serve`).",
    )
    metrics_cron: str = Field(
        "0 * * * *",
        description="When the concord-metrics deployment rebuilds the marts: a cron expression in local_tz.",
    )
    reports_cron: str = Field(
        "0 6 * * *",
        description="When the concord-reports deployment validates and rebuilds the Data Docs: cron in local_tz.",
    )

    freshness_limits_h: dict[str, float] = Field(
        default_factory=lambda: {
            "agencies": 720.0,
            "cases": 48.0,
            "referrals": 48.0,
            "platform_actions": 48.0,
            "public_responses": 48.0,
        },
        description="Hours the newest loaded batch of a source may age before the source counts as stale, by "
        "source. Agencies change rarely (a directory file); the other sources are daily feeds.",
    )
    freshness_default_h: float = Field(48.0, description="Freshness limit in hours for a source not listed above.")
    volume_history_runs: int = Field(
        14, ge=1, description="Volume check: how many of a source's earlier runs with deliveries form its baseline."
    )
    volume_min_history: int = Field(
        3, ge=1, description="Volume check: fewer earlier runs with deliveries than this and the run is not judged."
    )
    volume_mad_k: float = Field(
        4.0, gt=0, description="Volume check: the bounds are the baseline median ± this many robust spreads."
    )
    volume_min_spread: float = Field(
        0.1,
        ge=0,
        description="Volume check: the robust spread is at least this share of the median (and at least one row), "
        "so that a perfectly steady history does not flag every small change.",
    )

    writer_wait_s: float = Field(
        0.0,
        description="Seconds a writer (run, backfill, report, reset) waits for another writer to finish before it "
        "gives up with a message naming the holder; 0 gives up at once.",
    )
    scheduled_writer_wait_s: float = Field(
        900.0,
        description="Seconds a scheduled run (concord-ingest, -metrics, -reports) waits for another writer, such as a "
        "`concord run` or backfill started by hand, before it fails with a message naming the holder.",
    )
    failure_webhook_url: SecretStr | None = Field(
        None,
        description="URL that receives a small JSON POST when a pipeline or backfill flow run fails (it may carry "
        "a token, so it is never logged).",
    )

    @property
    def db_path(self) -> Path:
        return self.db or self.home / "concord.duckdb"

    @property
    def inbox_path(self) -> Path:
        return self.inbox or self.home / "inbox"


def serving_path(db_path: Path) -> Path:
    """The read-only serving copy the dashboard reads, published atomically at the end of each run."""
    return db_path.with_name(db_path.stem + ".serving.duckdb")
