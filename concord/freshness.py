"""Freshness per source: time since the newest successfully loaded batch, stale past a per-source limit.

Plain Polars and one query on a connection passed in, shared by the auditor dashboard and ``concord status``
(which must not import Streamlit). The limits are settings (``CONCORD_FRESHNESS_LIMITS_H``,
``CONCORD_FRESHNESS_DEFAULT_H``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import polars as pl

from concord.settings import Settings


@dataclass(frozen=True)
class FreshnessLimits:
    """How old (hours) the newest loaded batch of a source may be before it is stale: per source, and a default."""

    by_source: Mapping[str, float]
    default_h: float

    @classmethod
    def from_settings(cls) -> FreshnessLimits:
        """The configured limits (``CONCORD_FRESHNESS_LIMITS_H``, ``CONCORD_FRESHNESS_DEFAULT_H``)."""
        settings = Settings()
        return cls(dict(settings.freshness_limits_h), settings.freshness_default_h)

    def of(self, source: str) -> timedelta:
        return timedelta(hours=self.by_source.get(source, self.default_h))


def freshness_limit(source: str, limits: FreshnessLimits | None = None) -> timedelta:
    """The freshness limit of ``source`` (configured limits unless ``limits`` is given)."""
    return (limits or FreshnessLimits.from_settings()).of(source)


def newest_loaded(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """Per source with a loaded batch: the newest ``loaded_at``."""
    rows = con.execute(
        "SELECT source, max(loaded_at) FROM audit.batches WHERE status = 'loaded' GROUP BY source"
    ).fetchall()
    return {str(source): loaded_at for source, loaded_at in rows}


def freshness(newest: dict[str, datetime], now: datetime, limits: FreshnessLimits | None = None) -> pl.DataFrame:
    """Per source (the configured ones and any other with batches): newest load, age and limit in days, stale flag.

    A source that never loaded a batch is stale. ``limits`` defaults to the configured ones (concord/settings.py).
    """
    limits = limits or FreshnessLimits.from_settings()
    sources = sorted(set(limits.by_source) | set(newest))
    rows = []
    for source in sources:
        loaded = newest.get(source)
        limit = limits.of(source)
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
