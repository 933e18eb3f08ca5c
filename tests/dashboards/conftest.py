"""A tiny serving copy with literal rows whose figures are computed by hand below and in the tests.

Eight cases over two ISO weeks of January 2025 (local time UTC+07:00), three agencies, as of
2025-01-20 00:00 UTC. Case C2 is detected at 18:00 UTC on the 6th, i.e. 01:00 local on the 7th, so a
query that used UTC days would put it on the wrong day.

| case | agency | category         | sev | platform | local day | triage | action | close | SLA      | dup | reach  | referrals | outcome  |
|------|--------|------------------|-----|----------|-----------|--------|--------|-------|----------|-----|--------|-----------|----------|
| C1   | A01    | phishing         | 3   | facebook | 01-06     | 1      | 2      | 8     | met      |     | 1,200  | 1         | actioned |
| C2   | A01    | scam_fraud       | 4   | zalo     | 01-07     | 0.5    | 10     | —     | breached |     | 8,000  | 2         | actioned |
| P1   | A02    | phishing         | 3   | facebook | 01-08     | 2      | 30     | 33    | breached | yes | 1,500  | 0         | actioned |
| P2   | A02    | health_misinfo   | 2   | youtube  | 01-13     | 3      | 20     | —     | met      |     | 25,000 | 1         | actioned |
| C3   | A01    | phishing         | 1   | website  | 01-14     | 1      | 6      | 19    | met      |     | 300    | 0         | actioned |
| P3   | A02    | scam_fraud       | 4   | zalo     | 01-15     | 0.5    | 3      | —     | met      | yes | 9,000  | 0         | actioned |
| C4   | A01    | disaster_misinfo | 2   | telegram | 01-16     | 4      | —      | —     | breached |     | 40,000 | 2         | open     |
| P4   | A02    | phishing         | 3   | facebook | 01-19     | —      | —      | —     | pending  |     | —      | 1         | open     |

(durations in hours; C1, P1 and C3 are closed on local days 01-06, 01-09 and 01-15, the others are still open.)

``marts.kpi_daily`` holds the matching daily rows, plus backlog rows on 01-12 and 01-19 (the last day) for
every (agency, category, severity, platform) with an open case. The other marts:

- ``marts.handoffs``: seven referrals R1..R7 (table at ``HANDOFFS_SQL``); three stalled, one ping-pong.
- ``marts.platform_requests``: ten requests Q01..Q10 whose enforcement answers are the cases' ``actioned_at``.
- ``marts.backlog_daily``: every case open at the end of each local day, aged at that moment.
- ``marts.public_response_coverage``: P2 (answered after 30 h, covered) and C4 (after 60 h, not covered).
- ``marts.hotspots``: stand-alone rows (a burst of phishing reports the case table does not list, so the other
  figures stay small): two hotspot days, and two near misses that show the "≥ 10 cases" and "≥ 3 σ" rules.

The figures each page should show are worked out by hand in ``test_dashboard_app.py`` and
``test_dashboard_pages.py``. Helpers are exposed as fixtures (not imported from this module) so the tests work
under any pytest import mode.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
import streamlit as st

from concord.warehouse import connect, ensure_schema

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboards" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, offline: no sandbox in containers, no GPU, and none of the background fetches (updates, sync)
# that would show up as failed requests.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

AGENCIES_SQL = """
INSERT INTO staging.agencies VALUES
  ('A01', 'Sở Thông tin và Truyền thông', 'Department of Information and Communications', 'city', 'coordination', NULL, 'b-ag', 1),
  ('A02', 'Công an Thành phố', 'City Police', 'city', 'enforcement', NULL, 'b-ag', 2),
  ('A03', 'Trung tâm Giám sát An toàn Không gian mạng', 'Cyber Security Monitoring Centre', 'national', 'detection', NULL, 'b-ag', 3);
"""

# agency, case, url_key, platform, category, severity, status, detected, closed, actioned,
# triage h, action h, close h, SLA target h, SLA status, duplicate, reach, referrals, outcome, as_of
CASE_FACTS_SQL = """
INSERT INTO marts.case_facts VALUES
  ('A01', 'C1', 'example.com/login', 'facebook', 'phishing', 3, 'closed',
   '2025-01-06 02:00:00+00', '2025-01-06 10:00:00+00', '2025-01-06 04:00:00+00', 1.0, 2.0, 8.0, 24, 'met', false,
   1200, 1, 'actioned', '2025-01-20 00:00:00+00'),
  ('A01', 'C2', 'shop.example/deal', 'zalo', 'scam_fraud', 4, 'actioned',
   '2025-01-06 18:00:00+00', NULL, '2025-01-07 04:00:00+00', 0.5, 10.0, NULL, 4, 'breached', false,
   8000, 2, 'actioned', '2025-01-20 00:00:00+00'),
  ('A02', 'P1', 'example.com/login', 'facebook', 'phishing', 3, 'closed',
   '2025-01-08 03:00:00+00', '2025-01-09 12:00:00+00', '2025-01-09 09:00:00+00', 2.0, 30.0, 33.0, 24, 'breached', true,
   1500, 0, 'actioned', '2025-01-20 00:00:00+00'),
  ('A02', 'P2', 'video.example/v1', 'youtube', 'health_misinfo', 2, 'actioned',
   '2025-01-13 04:00:00+00', NULL, '2025-01-14 00:00:00+00', 3.0, 20.0, NULL, 72, 'met', false,
   25000, 1, 'actioned', '2025-01-20 00:00:00+00'),
  ('A01', 'C3', 'bank-verify.example', 'website', 'phishing', 1, 'closed',
   '2025-01-14 05:00:00+00', '2025-01-15 00:00:00+00', '2025-01-14 11:00:00+00', 1.0, 6.0, 19.0, 168, 'met', false,
   300, 0, 'actioned', '2025-01-20 00:00:00+00'),
  ('A02', 'P3', 'bank-verify.example', 'zalo', 'scam_fraud', 4, 'actioned',
   '2025-01-15 06:00:00+00', NULL, '2025-01-15 09:00:00+00', 0.5, 3.0, NULL, 4, 'met', true,
   9000, 0, 'actioned', '2025-01-20 00:00:00+00'),
  ('A01', 'C4', 'news.example/dam-break', 'telegram', 'disaster_misinfo', 2, 'triaged',
   '2025-01-16 07:00:00+00', NULL, NULL, 4.0, NULL, NULL, 72, 'breached', false,
   40000, 2, 'open', '2025-01-20 00:00:00+00'),
  ('A02', 'P4', 'example.com/login2', 'facebook', 'phishing', 3, 'open',
   '2025-01-19 10:00:00+00', NULL, NULL, NULL, NULL, NULL, 24, 'pending', false,
   NULL, 1, 'open', '2025-01-20 00:00:00+00');
"""

# day, agency, category, severity, platform, detected, actioned, met, breached, pending, duplicates, backlog_open, as_of
KPI_DAILY_SQL = """
INSERT INTO marts.kpi_daily VALUES
  ('2025-01-06', 'A01', 'phishing',         3, 'facebook', 1, 1, 1, 0, 0, 0, 0, '2025-01-20 00:00:00+00'),
  ('2025-01-07', 'A01', 'scam_fraud',       4, 'zalo',     1, 1, 0, 1, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-08', 'A02', 'phishing',         3, 'facebook', 1, 0, 0, 1, 0, 1, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-09', 'A02', 'phishing',         3, 'facebook', 0, 1, 0, 0, 0, 0, 0, '2025-01-20 00:00:00+00'),
  ('2025-01-12', 'A01', 'scam_fraud',       4, 'zalo',     0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-13', 'A02', 'health_misinfo',   2, 'youtube',  1, 0, 1, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-14', 'A02', 'health_misinfo',   2, 'youtube',  0, 1, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-14', 'A01', 'phishing',         1, 'website',  1, 1, 1, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-15', 'A02', 'scam_fraud',       4, 'zalo',     1, 1, 1, 0, 0, 1, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-16', 'A01', 'disaster_misinfo', 2, 'telegram', 1, 0, 0, 1, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A02', 'phishing',         3, 'facebook', 1, 0, 0, 0, 1, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A01', 'scam_fraud',       4, 'zalo',     0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A02', 'health_misinfo',   2, 'youtube',  0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A02', 'scam_fraud',       4, 'zalo',     0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00'),
  ('2025-01-19', 'A01', 'disaster_misinfo', 2, 'telegram', 0, 0, 0, 0, 0, 0, 1, '2025-01-20 00:00:00+00');
"""

# Hand-offs (UTC; local day of sending in brackets). No referral links A01 and A02 on C1/P1 or C3/P3, so those
# duplicates stay uncoordinated.
# | ref | case | from → to | sent              | acknowledged      | latency h | stalled          | ping-pong |
# | R1  | C1   | A01 → A03 | 01-06 03:00 [06]  | 01-06 05:00       | 2         |                  |           |
# | R2  | C2   | A01 → A02 | 01-06 19:00 [07]  | 01-07 01:00       | 6         |                  |           |
# | R3  | C2   | A02 → A01 | 01-07 05:00 [07]  | 01-07 09:00       | 4         |                  | yes       |
# | R4  | P2   | A02 → A03 | 01-13 05:00 [13]  | —                 | —         | yes, 163 h so far|           |
# | R5  | C4   | A01 → A02 | 01-16 08:00 [16]  | 01-17 14:00       | 30        | yes (late)       |           |
# | R6  | C4   | A02 → A03 | 01-17 15:00 [17]  | —                 | —         | yes, 57 h so far |           |
# | R7  | P4   | A02 → A01 | 01-19 11:00 [19]  | 01-19 12:30       | 1.5       |                  |           |
HANDOFFS_SQL = """
INSERT INTO marts.handoffs VALUES
  ('R1', 'A01', 'C1', 'A01', 'A03', 'phishing', 3, 'facebook', '2025-01-06 03:00:00+00', '2025-01-06 05:00:00+00',
   2.0, false, false, 'completed', '2025-01-20 00:00:00+00'),
  ('R2', 'A01', 'C2', 'A01', 'A02', 'scam_fraud', 4, 'zalo', '2025-01-06 19:00:00+00', '2025-01-07 01:00:00+00',
   6.0, false, false, 'returned', '2025-01-20 00:00:00+00'),
  ('R3', 'A01', 'C2', 'A02', 'A01', 'scam_fraud', 4, 'zalo', '2025-01-07 05:00:00+00', '2025-01-07 09:00:00+00',
   4.0, false, true, 'accepted', '2025-01-20 00:00:00+00'),
  ('R4', 'A02', 'P2', 'A02', 'A03', 'health_misinfo', 2, 'youtube', '2025-01-13 05:00:00+00', NULL,
   NULL, true, false, NULL, '2025-01-20 00:00:00+00'),
  ('R5', 'A01', 'C4', 'A01', 'A02', 'disaster_misinfo', 2, 'telegram', '2025-01-16 08:00:00+00', '2025-01-17 14:00:00+00',
   30.0, true, false, 'accepted', '2025-01-20 00:00:00+00'),
  ('R6', 'A01', 'C4', 'A02', 'A03', 'disaster_misinfo', 2, 'telegram', '2025-01-17 15:00:00+00', NULL,
   NULL, true, false, NULL, '2025-01-20 00:00:00+00'),
  ('R7', 'A02', 'P4', 'A02', 'A01', 'phishing', 3, 'facebook', '2025-01-19 11:00:00+00', '2025-01-19 12:30:00+00',
   1.5, false, false, 'accepted', '2025-01-20 00:00:00+00');
"""

# request, case agency, case, platform, category, severity, requested, responded, response h, action,
# is_enforcement, counts_for_rate, as_of. Local days of requesting: Q01 06, Q02 07, Q03/Q04 08, Q05 13, Q06 14,
# Q07 15, Q08 16, Q09 18, Q10 19.
PLATFORM_REQUESTS_SQL = """
INSERT INTO marts.platform_requests VALUES
  ('Q01', 'A01', 'C1', 'facebook', 'phishing', 3, '2025-01-06 02:00:00+00', '2025-01-06 04:00:00+00', 2.0, 'removed', true, true, '2025-01-20 00:00:00+00'),
  ('Q02', 'A01', 'C2', 'zalo', 'scam_fraud', 4, '2025-01-06 20:00:00+00', '2025-01-07 04:00:00+00', 8.0, 'restricted', true, true, '2025-01-20 00:00:00+00'),
  ('Q03', 'A02', 'P1', 'facebook', 'phishing', 3, '2025-01-08 04:00:00+00', '2025-01-08 10:00:00+00', 6.0, 'no_violation', false, true, '2025-01-20 00:00:00+00'),
  ('Q04', 'A02', 'P1', 'facebook', 'phishing', 3, '2025-01-08 05:00:00+00', '2025-01-09 09:00:00+00', 28.0, 'removed', true, true, '2025-01-20 00:00:00+00'),
  ('Q05', 'A02', 'P2', 'youtube', 'health_misinfo', 2, '2025-01-13 06:00:00+00', '2025-01-14 00:00:00+00', 18.0, 'labelled', true, true, '2025-01-20 00:00:00+00'),
  ('Q06', 'A01', 'C3', 'website', 'phishing', 1, '2025-01-14 06:00:00+00', '2025-01-14 11:00:00+00', 5.0, 'removed', true, true, '2025-01-20 00:00:00+00'),
  ('Q07', 'A02', 'P3', 'zalo', 'scam_fraud', 4, '2025-01-15 07:00:00+00', '2025-01-15 09:00:00+00', 2.0, 'removed', true, true, '2025-01-20 00:00:00+00'),
  ('Q08', 'A01', 'C4', 'telegram', 'disaster_misinfo', 2, '2025-01-16 09:00:00+00', '2025-01-17 09:00:00+00', 24.0, 'no_violation', false, true, '2025-01-20 00:00:00+00'),
  ('Q09', 'A01', 'C4', 'telegram', 'disaster_misinfo', 2, '2025-01-18 10:00:00+00', NULL, NULL, 'no_response', false, true, '2025-01-20 00:00:00+00'),
  ('Q10', 'A02', 'P4', 'facebook', 'phishing', 3, '2025-01-19 11:00:00+00', NULL, NULL, 'pending', false, false, '2025-01-20 00:00:00+00');
"""

# Open at the end of each local day (24:00 UTC+07:00) and the age then: C2 (detected 01-07 01:00 local) is 23 h old
# at the end of 01-07, 47 h at the end of 01-08, ... 167 h at the end of 01-13 (still 3-7d), 191 h at the end of
# 01-14. C1 closes on its detection day, P1 on 01-09, C3 on 01-15; none of them is open at the end of that day.
BACKLOG_DAILY_SQL = """
INSERT INTO marts.backlog_daily
SELECT day::DATE, agency_code, category, severity, platform, age_bucket, 1, '2025-01-20 00:00:00+00'
FROM (VALUES
  ('2025-01-07', 'C2', '0-1d'),
  ('2025-01-08', 'C2', '1-3d'), ('2025-01-08', 'P1', '0-1d'),
  ('2025-01-09', 'C2', '1-3d'),
  ('2025-01-10', 'C2', '3-7d'),
  ('2025-01-11', 'C2', '3-7d'),
  ('2025-01-12', 'C2', '3-7d'),
  ('2025-01-13', 'C2', '3-7d'), ('2025-01-13', 'P2', '0-1d'),
  ('2025-01-14', 'C2', '7-30d'), ('2025-01-14', 'P2', '1-3d'), ('2025-01-14', 'C3', '0-1d'),
  ('2025-01-15', 'C2', '7-30d'), ('2025-01-15', 'P2', '1-3d'), ('2025-01-15', 'P3', '0-1d'),
  ('2025-01-16', 'C2', '7-30d'), ('2025-01-16', 'P2', '3-7d'), ('2025-01-16', 'P3', '1-3d'), ('2025-01-16', 'C4', '0-1d'),
  ('2025-01-17', 'C2', '7-30d'), ('2025-01-17', 'P2', '3-7d'), ('2025-01-17', 'P3', '1-3d'), ('2025-01-17', 'C4', '1-3d'),
  ('2025-01-18', 'C2', '7-30d'), ('2025-01-18', 'P2', '3-7d'), ('2025-01-18', 'P3', '3-7d'), ('2025-01-18', 'C4', '1-3d'),
  ('2025-01-19', 'C2', '7-30d'), ('2025-01-19', 'P2', '3-7d'), ('2025-01-19', 'P3', '3-7d'), ('2025-01-19', 'C4', '3-7d'),
  ('2025-01-19', 'P4', '0-1d')
) open_case(day, case_id, age_bucket)
JOIN marts.case_facts USING (case_id);
"""

# P2: response 30 h after detection (covered); C4: 60 h after (not covered). Coverage 1/2, median (30 + 60) / 2.
PUBLIC_RESPONSE_COVERAGE_SQL = """
INSERT INTO marts.public_response_coverage VALUES
  ('A02', 'P2', 'video.example/v1', 'health_misinfo', 2, 'youtube', 25000, '2025-01-13 04:00:00+00',
   '2025-01-14 10:00:00+00', 30.0, true, '2025-01-20 00:00:00+00'),
  ('A01', 'C4', 'news.example/dam-break', 'disaster_misinfo', 2, 'telegram', 40000, '2025-01-16 07:00:00+00',
   '2025-01-18 19:00:00+00', 60.0, false, '2025-01-20 00:00:00+00');
"""

RECURRENCE_SQL = """
INSERT INTO marts.recurrence VALUES
  ('example.com/login', '2025-01-06 04:00:00+00', 'phishing', 1, '2025-01-08 03:00:00+00', '2025-01-20 00:00:00+00');
"""

# category, day, new cases, trailing mean, trailing std, hotspot: a hotspot needs new ≥ mean + 3 std and ≥ 10 cases.
HOTSPOTS_SQL = """
INSERT INTO marts.hotspots VALUES
  ('phishing',         '2025-01-13',  2, 2.0, 1.0, false, '2025-01-20 00:00:00+00'),
  ('phishing',         '2025-01-14',  3, 2.0, 1.0, false, '2025-01-20 00:00:00+00'),
  ('phishing',         '2025-01-15', 14, 2.0, 1.5, true,  '2025-01-20 00:00:00+00'), -- 14 ≥ 2 + 4.5
  ('phishing',         '2025-01-16', 16, 2.5, 3.0, true,  '2025-01-20 00:00:00+00'), -- 16 ≥ 2.5 + 9
  ('phishing',         '2025-01-17',  4, 3.0, 4.2, false, '2025-01-20 00:00:00+00'),
  ('scam_fraud',       '2025-01-10',  9, 1.0, 1.0, false, '2025-01-20 00:00:00+00'), -- 8 σ, but fewer than 10 cases
  ('scam_fraud',       '2025-01-15',  2, 1.2, 1.1, false, '2025-01-20 00:00:00+00'),
  ('health_misinfo',   '2025-01-13', 12, 5.0, 3.0, false, '2025-01-20 00:00:00+00'), -- 12 < 5 + 9
  ('disaster_misinfo', '2025-01-16',  1, 0.2, 0.4, false, '2025-01-20 00:00:00+00');
"""

# The completed run is the one "data as of" must show; the later failed and running ones must be ignored.
RUNS_SQL = """
INSERT INTO audit.runs (run_id, started_at, finished_at, as_of, status, code_version, inbox) VALUES
  ('run-0001', '2025-01-20 00:05:00+00', '2025-01-20 00:10:00+00', '2025-01-20 00:00:00+00', 'completed', 'test', 'inbox'),
  ('run-0002', '2025-01-21 00:05:00+00', '2025-01-21 00:06:00+00', '2025-01-21 00:00:00+00', 'failed', 'test', 'inbox'),
  ('run-0003', '2025-01-22 00:05:00+00', NULL, '2025-01-22 00:00:00+00', 'running', 'test', 'inbox');
"""

# Batches of the runs (the auditor's reconciliation page). b-pa does not balance: 6 in, 4 loaded + 1 quarantined.
# | batch   | run      | source           | in | loaded | quarantined | balanced |
# | b-ag    | run-0001 | agencies         |  3 |  3     | 0           | yes      |
# | b-cases | run-0001 | cases            | 10 |  8     | 2           | yes      |
# | b-ref   | run-0001 | referrals        |  8 |  7     | 1           | yes      |
# | b-pa    | run-0001 | platform_actions |  6 |  4     | 1           | no       |
# | b-rej   | run-0002 | cases            |  0 |  0     | 0 (rejected)| yes      |
# run-0001 totals: 27 in, 22 loaded, 4 quarantined (not balanced). public_responses never loaded a batch.
BATCHES_SQL = """
INSERT INTO audit.batches VALUES
  ('b-ag', 'run-0001', 'agencies', 'agencies.csv', repeat('a1', 32), 512, 'loaded', NULL, 3, 3, 0, [],
   '2025-01-20 00:06:00+00'),
  ('b-cases', 'run-0001', 'cases', 'cases_2025-01-19.csv', repeat('b2', 32), 4096, 'loaded', NULL, 10, 8, 2, [],
   '2025-01-20 00:06:30+00'),
  ('b-ref', 'run-0001', 'referrals', 'referrals.jsonl', repeat('c3', 32), 2048, 'loaded', NULL, 8, 7, 1, [],
   '2025-01-20 00:07:00+00'),
  ('b-pa', 'run-0001', 'platform_actions', 'platform_actions.csv', repeat('d4', 32), 1024, 'loaded', NULL, 6, 4, 1, [],
   '2025-01-20 00:07:30+00'),
  ('b-rej', 'run-0002', 'cases', 'cases_bad.csv', repeat('e5', 32), 100, 'rejected', 'missing column case_id', 0, 0, 0,
   [], '2025-01-21 00:05:30+00');
"""

# Quarantined rows: reason codes unknown_platform 2, bad_severity 1, unknown_category 1, malformed_json 1 (4 rows).
QUARANTINE_SQL = """
INSERT INTO quarantine.rows VALUES
  ('b-cases', 'cases', 3, ['unknown_category'], '{"case_id": "X1", "category": "spam"}'),
  ('b-cases', 'cases', 7, ['bad_severity', 'unknown_platform'], '{"case_id": "X2", "severity": "9", "platform": "myspace"}'),
  ('b-ref', 'referrals', 2, ['malformed_json'], '{"line": "{not json"}'),
  ('b-pa', 'platform_actions', 5, ['unknown_platform'], '{"request_id": "Q99", "platform": "=cmd"}');
"""

# Validations of two runs. run-0001: cases 3/3, referrals 2/2 passed. run-0002 (the latest): cases 2 of 3 passed
# (severity out of range), referrals 1 of 2 (unknown status): 5 evaluated, 2 failed, pass rate 3/5 = 60%.
VALIDATIONS_SQL = """
INSERT INTO audit.validations
SELECT run_id, validated_at::TIMESTAMPTZ, suite, '1', suite, expectation, column_name, why, success, observed,
       unexpected, 10, NULL
FROM (VALUES
  ('run-0001', '2025-01-20 00:08:00+00', 'staging.cases', 'expect_column_values_to_not_be_null', 'case_id',
   'Every case needs its ID.', true, '0', 0),
  ('run-0001', '2025-01-20 00:08:00+00', 'staging.cases', 'expect_column_values_to_be_between', 'severity',
   'Severity runs from 1 (low) to 4 (critical).', true, '0', 0),
  ('run-0001', '2025-01-20 00:08:00+00', 'staging.cases', 'expect_column_values_to_be_in_set', 'category',
   'Categories come from the shared code list.', true, '0', 0),
  ('run-0001', '2025-01-20 00:08:00+00', 'staging.referrals', 'expect_column_values_to_not_be_null', 'referral_id',
   'Every referral needs its ID.', true, '0', 0),
  ('run-0001', '2025-01-20 00:08:00+00', 'staging.referrals', 'expect_column_values_to_be_in_set', 'status',
   'A referral status is one of the contract values.', true, '0', 0),
  ('run-0002', '2025-01-21 00:05:45+00', 'staging.cases', 'expect_column_values_to_not_be_null', 'case_id',
   'Every case needs its ID.', true, '0', 0),
  ('run-0002', '2025-01-21 00:05:45+00', 'staging.cases', 'expect_column_values_to_be_between', 'severity',
   'Severity runs from 1 (low) to 4 (critical).', false, '2 values outside [1, 4]: 0, 9', 2),
  ('run-0002', '2025-01-21 00:05:45+00', 'staging.cases', 'expect_column_values_to_be_in_set', 'category',
   'Categories come from the shared code list.', true, '0', 0),
  ('run-0002', '2025-01-21 00:05:45+00', 'staging.referrals', 'expect_column_values_to_not_be_null', 'referral_id',
   'Every referral needs its ID.', true, '0', 0),
  ('run-0002', '2025-01-21 00:05:45+00', 'staging.referrals', 'expect_column_values_to_be_in_set', 'status',
   'A referral status is one of the contract values.', false, '1 value not in the set: lost', 1)
) v(run_id, validated_at, suite, expectation, column_name, why, success, observed, unexpected);
"""

FIXTURE_SQL = (
    AGENCIES_SQL,
    CASE_FACTS_SQL,
    KPI_DAILY_SQL,
    HANDOFFS_SQL,
    PLATFORM_REQUESTS_SQL,
    BACKLOG_DAILY_SQL,
    PUBLIC_RESPONSE_COVERAGE_SQL,
    RECURRENCE_SQL,
    HOTSPOTS_SQL,
    RUNS_SQL,
    BATCHES_SQL,
    QUARANTINE_SQL,
    VALIDATIONS_SQL,
)


def write_fixture_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Create the contract schema on ``con`` and insert the literal rows above."""
    ensure_schema(con)
    for sql in FIXTURE_SQL:
        con.execute(sql)


@pytest.fixture
def fixture_rows() -> Callable[[duckdb.DuckDBPyConnection], None]:
    """The function that writes the fixture rows onto a connection (for tests that build a warehouse)."""
    return write_fixture_rows


@pytest.fixture(scope="module")
def fixture_rows_for_module() -> Callable[[duckdb.DuckDBPyConnection], None]:
    """The same function, for module-scoped fixtures (one dashboard server for a whole test module)."""
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _streamlit(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`streamlit run dashboards/app.py` on a free port with ``env`` added; healthy on entry, stopped on exit.

    On exit the server log must hold no traceback.
    """
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after 30 s:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    server_log = log_path.read_text()
    assert "Traceback" not in server_log, server_log


@contextmanager
def _chromium_context() -> Iterator[tuple[Any, list[str]]]:
    """A headless Chromium browser context and the list its console errors, page errors and failed requests go to."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = chromium.new_context(viewport={"width": 1440, "height": 1000})
            context.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            context.on("weberror", lambda error: errors.append(str(error.error)))
            # A reload cancels in-flight requests (net::ERR_ABORTED): expected. Anything else, e.g. a fetch
            # from the internet (fonts, icons) that an offline deployment cannot serve, is an error.
            context.on(
                "requestfailed",
                lambda request: (
                    None
                    if request.failure == "net::ERR_ABORTED"
                    else errors.append(f"request failed: {request.url} {request.failure}")
                ),
            )
            yield context, errors
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def streamlit_server() -> Callable[[dict[str, str], Path], AbstractContextManager[str]]:
    """``streamlit_server(env, log_path)``: a context manager serving the dashboard, yielding its URL."""
    return _streamlit


@pytest.fixture(scope="session")
def chromium_context() -> Callable[[], AbstractContextManager[tuple[Any, list[str]]]]:
    """``chromium_context()``: a context manager yielding (browser context, errors list)."""
    return _chromium_context


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real headless Chromium against `streamlit run` (slow)")
