"""Shared fixtures: an in-memory warehouse with the parsing macros, and the real public feed samples."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

# Before anything imports Prefect: no telemetry calls from an offline machine, room for a slow first start.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import duckdb
import pytest

from concord.warehouse import connect, ensure_schema
from flows import parsing
from flows.ingest import ensure_raw_table
from flows.sources import SOURCES

# Real public feed samples, copied byte for byte from ../shared/data/feeds (provenance in their README.md).
FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
TEST_KEY = b"test-key-not-secret"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory warehouse with every table, the parsing macros and a fixed as-of (2026-01-01 UTC)."""
    connection = connect(":memory:")
    ensure_schema(connection)
    for source in SOURCES.values():
        ensure_raw_table(connection, source)
    parsing.install(connection, hmac_key=TEST_KEY)
    connection.execute("CREATE OR REPLACE TEMP MACRO run_as_of() AS TIMESTAMPTZ '2026-01-01 00:00:00+00'")
    return connection


@pytest.fixture(scope="session")
def urlhaus_dir() -> Path:
    return FEEDS / "urlhaus"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for every test that runs a flow (starting one takes 10-30 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def make_demo_inbox(folder: Path) -> Path:
    """The seeded tiny demo inbox (every source, format and encoding; ~2k cases ending 2026-10-31)."""
    from concord.demo.generate import generate

    generate(folder, scale="tiny", seed=1, end=date(2026, 10, 31))
    return folder
