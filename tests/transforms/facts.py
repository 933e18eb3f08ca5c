"""Tiny case_facts frames for the kpi_daily and backlog_daily tests (local times in, UTC instants out)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from transforms.case_facts import UTC_US

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
TZ = "Asia/Ho_Chi_Minh"

FACT_SCHEMA = {
    "agency_code": pl.String(),
    "category": pl.String(),
    "severity": pl.Int8(),
    "platform": pl.String(),
    "detected_at": UTC_US,
    "actioned_at": UTC_US,
    "closed_at": UTC_US,
    "sla_status": pl.String(),
    "is_uncoordinated_duplicate": pl.Boolean(),
}


def ict(text: str) -> datetime:
    """A local (UTC+07:00) wall-clock time, as the UTC instant staging stores."""
    return datetime.fromisoformat(text).replace(tzinfo=ICT).astimezone(UTC)


def facts_frame(*rows: dict[str, object]) -> pl.LazyFrame:
    """The case_facts columns kpi_daily and backlog_daily read, with defaults for the ones a test ignores."""
    defaults = {
        "agency_code": "A",
        "category": "phishing",
        "severity": 4,
        "platform": "facebook",
        "actioned_at": None,
        "closed_at": None,
        "sla_status": "pending",
        "is_uncoordinated_duplicate": False,
    }
    return pl.LazyFrame([defaults | row for row in rows], schema=FACT_SCHEMA)
