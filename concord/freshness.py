"""Freshness per source: time since the newest successfully loaded batch, stale past a per-source limit.

Plain Polars and one query on a connection passed in, shared by the auditor dashboard and ``concord status``
(which must not import Streamlit).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl

# How old the newest loaded batch of a source may be before the source counts as stale: the one place to change
# them. Agencies change rarely (a directory file); the other sources are daily feeds.
FRESHNESS_LIMITS: dict[str, timedelta] = {
    "agencies": timedelta(days=30),
    "cases": timedelta(days=2),
    "referrals": timedelta(days=2),
    "platform_actions": timedelta(days=2),
    "public_responses": timedelta(days=2),
}
DEFAULT_FRESHNESS_LIMIT = timedelta(days=2)  # for a source not listed above


def freshness_limit(source: str) -> timedelta:
    return FRESHNESS_LIMITS.get(source, DEFAULT_FRESHNESS_LIMIT)


def newest_loaded(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """Per source with a loaded batch: the newest ``loaded_at``."""
    rows = con.execute(
        "SELECT source, max(loaded_at) FROM audit.batches WHERE status = 'loaded' GROUP BY source"
    ).fetchall()
    return {str(source): loaded_at for source, loaded_at in rows}


def freshness(newest: dict[str, datetime], now: datetime) -> pl.DataFrame:
    """Per source (the configured ones and any other with batches): newest load, age and limit in days, stale flag.

    A source that never loaded a batch is stale.
    """
    sources = sorted(set(FRESHNESS_LIMITS) | set(newest))
    rows = []
    for source in sources:
        loaded = newest.get(source)
        limit = freshness_limit(source)
        age = now - loaded if loaded is not None else None
        rows.append(
            {
                "source": source,
                "newest_loaded_at": loaded,
                "age_days": age / timedelta(days=1) if age is not None else None,
                "limit_days": limit / timedelta(days=1),
                "stale": age is None or age > limit,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "source": pl.String,
            "newest_loaded_at": pl.Datetime("us", "UTC"),
            "age_days": pl.Float64,
            "limit_days": pl.Float64,
            "stale": pl.Boolean,
        },
    )
