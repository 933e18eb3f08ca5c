"""A tiny serving copy with literal rows whose KPIs are computed by hand below.

Eight cases over two ISO weeks of January 2025 (local time UTC+07:00), two agencies, as of
2025-01-20 00:00 UTC. Case C2 is detected at 18:00 UTC on the 6th, i.e. 01:00 local on the 7th, so a
query that used UTC days would put it on the wrong day.

| case | agency | category       | sev | local day | time to action (h) | SLA      | dup | closed (local day) |
|------|--------|----------------|-----|-----------|--------------------|----------|-----|--------------------|
| C1   | A01    | phishing       | 3   | 01-06     | 2                  | met      |     | 01-06              |
| C2   | A01    | scam_fraud     | 4   | 01-07     | 10                 | breached |     | open               |
| P1   | A02    | phishing       | 3   | 01-08     | 30                 | breached | yes | 01-09              |
| P2   | A02    | health_misinfo | 2   | 01-13     | 20                 | met      |     | open               |
| C3   | A01    | phishing       | 1   | 01-14     | 6                  | met      |     | 01-15              |
| P3   | A02    | scam_fraud     | 4   | 01-15     | 3                  | met      | yes | open               |
| C4   | A01    | malware        | 2   | 01-16     | —                  | breached |     | open               |
| P4   | A02    | phishing       | 3   | 01-19     | —                  | pending  |     | open               |

``marts.kpi_daily`` holds the matching daily rows, plus backlog rows on 01-12 and 01-19 (the last day)
for every (agency, category, severity) with an open case. The tiles each filter should show are worked
out by hand in ``test_dashboard_app.py``.

Helpers are exposed as fixtures (not imported from this module) so the tests work under any pytest
import mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
import streamlit as st

from concord.warehouse import connect, ensure_schema

AGENCIES_SQL = """
INSERT INTO staging.agencies VALUES
  ('A01', 'Sở Thông tin và Truyền thông', 'Department of Information and Communications', 'city', 'coordination', NULL, 'b-ag', 1),
  ('A02', 'Công an Thành phố', 'City Police', 'city', 'enforcement', NULL, 'b-ag', 2),
  ('A03', 'Trung tâm Giám sát An toàn Không gian mạng', 'Cyber Security Monitoring Centre', 'national', 'detection', NULL, 'b-ag', 3);
"""

CASE_FACTS_SQL = """
INSERT INTO marts.case_facts VALUES
  ('A01', 'C1', 'example.com/login', 'facebook', 'phishing', 3, 'closed',
   '2025-01-06 02:00:00+00', '2025-01-06 10:00:00+00', '2025-01-06 04:00:00+00', 1.0, 2.0, 8.0, 24, 'met', false, '2025-01-20 00:00:00+00'),
  ('A01', 'C2', 'shop.example/deal', 'zalo', 'scam_fraud', 4, 'actioned',
   '2025-01-06 18:00:00+00', NULL, '2025-01-07 04:00:00+00', 0.5, 10.0, NULL, 4, 'breached', false, '2025-01-20 00:00:00+00'),
  ('A02', 'P1', 'example.com/login', 'facebook', 'phishing', 3, 'closed',
   '2025-01-08 03:00:00+00', '2025-01-09 12:00:00+00', '2025-01-09 09:00:00+00', 2.0, 30.0, 33.0, 24, 'breached', true, '2025-01-20 00:00:00+00'),
  ('A02', 'P2', 'video.example/v1', 'youtube', 'health_misinfo', 2, 'actioned',
   '2025-01-13 04:00:00+00', NULL, '2025-01-14 00:00:00+00', 3.0, 20.0, NULL, 72, 'met', false, '2025-01-20 00:00:00+00'),
  ('A01', 'C3', 'bank-verify.example', 'website', 'phishing', 1, 'closed',
   '2025-01-14 05:00:00+00', '2025-01-15 00:00:00+00', '2025-01-14 11:00:00+00', 1.0, 6.0, 19.0, 168, 'met', false, '2025-01-20 00:00:00+00'),
  ('A02', 'P3', 'bank-verify.example', 'zalo', 'scam_fraud', 4, 'actioned',
   '2025-01-15 06:00:00+00', NULL, '2025-01-15 09:00:00+00', 0.5, 3.0, NULL, 4, 'met', true, '2025-01-20 00:00:00+00'),
  ('A01', 'C4', 'files.example/x.apk', 'telegram', 'malware', 2, 'triaged',
   '2025-01-16 07:00:00+00', NULL, NULL, 4.0, NULL, NULL, 72, 'breached', false, '2025-01-20 00:00:00+00'),
  ('A02', 'P4', 'example.com/login2', 'facebook', 'phishing', 3, 'open',
   '2025-01-19 10:00:00+00', NULL, NULL, NULL, NULL, NULL, 24, 'pending', false, '2025-01-20 00:00:00+00');
"""

# day, agency, category, severity, detected, actioned, met, breached, pending, duplicates, backlog_open, as_of
KPI_DAILY_SQL = """
INSERT INTO marts.kpi_daily VALUES
  ('2025-01-06', 'A01', 'phishing',       3, 1, 1, 1, 0, 0, 0, 0, '2025-01-20 00:00:00+00'),
  ('2025-01-07', 'A01', 'scam_fraud',     4, 1, 1, 0, 1, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-08', 'A02', 'phishing',       3, 1, 0, 0, 1, 0, 1, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-09', 'A02', 'phishing',       3, 0, 1, 0, 0, 0, 0, 0, '2025-01-20 00:00:00+00'),
  ('2025-01-12', 'A01', 'scam_fraud',     4, 0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-13', 'A02', 'health_misinfo', 2, 1, 0, 1, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-14', 'A02', 'health_misinfo', 2, 0, 1, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-14', 'A01', 'phishing',       1, 1, 1, 1, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-15', 'A02', 'scam_fraud',     4, 1, 1, 1, 0, 0, 1, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-16', 'A01', 'malware',        2, 1, 0, 0, 1, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A02', 'phishing',       3, 1, 0, 0, 0, 1, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A01', 'scam_fraud',     4, 0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A02', 'health_misinfo', 2, 0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A02', 'scam_fraud',     4, 0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A01', 'malware',        2, 0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00');
"""

# The completed run is the one "data as of" must show; the later failed and running ones must be ignored.
RUNS_SQL = """
INSERT INTO audit.runs VALUES
  ('run-0001', '2025-01-20 00:05:00+00', '2025-01-20 00:10:00+00', '2025-01-20 00:00:00+00', 'completed', 'test', 'inbox'),
  ('run-0002', '2025-01-21 00:05:00+00', '2025-01-21 00:06:00+00', '2025-01-21 00:00:00+00', 'failed', 'test', 'inbox'),
  ('run-0003', '2025-01-22 00:05:00+00', NULL, '2025-01-22 00:00:00+00', 'running', 'test', 'inbox');
"""


def write_fixture_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Create the contract schema on ``con`` and insert the literal rows above."""
    ensure_schema(con)
    for sql in (AGENCIES_SQL, CASE_FACTS_SQL, KPI_DAILY_SQL, RUNS_SQL):
        con.execute(sql)


@pytest.fixture
def fixture_rows() -> Callable[[duckdb.DuckDBPyConnection], None]:
    """The function that writes the fixture rows onto a connection (for tests that build a warehouse)."""
    return write_fixture_rows


@pytest.fixture
def serving_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A serving copy with the fixture rows; ``CONCORD_SERVING`` points at it."""
    path = tmp_path / "concord.serving.duckdb"
    con = connect(path)
    try:
        write_fixture_rows(con)
    finally:
        con.close()
    monkeypatch.setenv("CONCORD_SERVING", str(path))
    st.cache_data.clear()
    yield path
    st.cache_data.clear()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real headless Chromium against `streamlit run` (slow)")
