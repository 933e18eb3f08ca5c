"""Recompute the coordination marts from staging: the only transform module that touches DuckDB.

Reads the staged cases, referrals, platform actions and public responses, runs the pure Polars
transforms, and replaces every mart in one transaction, so a reader sees either the old marts or
the new ones, never a mix.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import duckdb
import polars as pl

from transforms.backlog import backlog_daily
from transforms.case_facts import case_facts
from transforms.handoffs import handoffs
from transforms.hotspots import hotspots
from transforms.kpi_daily import kpi_daily
from transforms.platforms import platform_requests
from transforms.public_responses import public_response_coverage
from transforms.recurrence import recurrence

CASES_SQL = """
SELECT agency_code, case_id, detected_at, url_key, platform, category, severity, reach, status, triaged_at, closed_at
FROM staging.cases
"""
PLATFORM_ACTIONS_SQL = """
SELECT request_id, case_agency, case_id, platform, requested_at, responded_at, action
FROM staging.platform_actions
"""
REFERRALS_SQL = """
SELECT referral_id, case_agency, case_id, from_agency, to_agency, sent_at, acknowledged_at, outcome
FROM staging.referrals
"""
PUBLIC_RESPONSES_SQL = "SELECT response_id, published_at FROM staging.public_responses"
PUBLIC_RESPONSE_TARGETS_SQL = "SELECT response_id, url_key FROM staging.public_response_targets"

# The feed metrics (detection lag vs public feeds, feed takedown time; docs/metrics.md) land here as
# two more marts once the URLhaus and PhishTank sources are staged: read their staging tables
# above, add one transforms module for the feed family, and add its marts to the dict below.


def read_staging(con: duckdb.DuckDBPyConnection, sql: str) -> pl.LazyFrame:
    """The rows of one staging query as a LazyFrame."""
    rows: pl.DataFrame = con.sql(sql).pl()
    return rows.lazy()


def replace_mart(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    """Replace every row of ``table`` with ``rows`` (matched by column name); the caller holds the transaction."""
    view = f"_concord_new_{table.replace('.', '_')}"
    con.register(view, rows.to_arrow())
    try:
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}")
    finally:
        con.unregister(view)


def build_marts(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
    local_tz: str = "Asia/Ho_Chi_Minh",
) -> dict[str, int]:
    """Recompute every mart from staging in one transaction; return row counts per mart."""
    referrals = read_staging(con, REFERRALS_SQL)
    platform_actions = read_staging(con, PLATFORM_ACTIONS_SQL)
    facts = case_facts(
        read_staging(con, CASES_SQL),
        platform_actions,
        referrals,
        as_of=as_of,
        sla_hours=sla_hours,
        duplicate_window_h=duplicate_window_h,
    ).collect()
    # Every other mart derives from case_facts and staging. Each is computed, written and dropped in
    # turn inside the one transaction, so at most two marts are held in memory at a time: while DuckDB
    # writes one (mostly on one core), Polars computes the next in a worker thread (both release the GIL).
    plans = {
        # The two largest first, so that their computation overlaps the largest writes.
        "marts.kpi_daily": kpi_daily(facts.lazy(), as_of=as_of, local_tz=local_tz),
        "marts.backlog_daily": backlog_daily(facts.lazy(), as_of=as_of, local_tz=local_tz),
        "marts.handoffs": handoffs(referrals, facts.lazy(), as_of=as_of),
        "marts.platform_requests": platform_requests(platform_actions, facts.lazy(), as_of=as_of),
        "marts.public_response_coverage": public_response_coverage(
            facts.lazy(),
            read_staging(con, PUBLIC_RESPONSES_SQL),
            read_staging(con, PUBLIC_RESPONSE_TARGETS_SQL),
            as_of=as_of,
        ),
        "marts.recurrence": recurrence(facts.lazy(), as_of=as_of),
        "marts.hotspots": hotspots(facts.lazy(), as_of=as_of, local_tz=local_tz),
    }
    counts = {"marts.case_facts": facts.height}
    tables = list(plans)
    with ThreadPoolExecutor(max_workers=1) as worker:
        upcoming = worker.submit(plans[tables[0]].collect)
        con.begin()
        try:
            replace_mart(con, "marts.case_facts", facts)
            for table, following in zip(tables, [*tables[1:], None], strict=True):
                rows = upcoming.result()
                if following is not None:
                    upcoming = worker.submit(plans[following].collect)
                replace_mart(con, table, rows)
                counts[table] = rows.height
                del rows  # freed while the next mart is still computing: at most two in memory
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return counts
