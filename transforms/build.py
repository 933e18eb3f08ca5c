"""Recompute the coordination marts from staging: the only transform module that touches DuckDB.

Reads the staged cases, referrals, platform actions and public responses, runs the pure Polars
transforms, writes each mart into an empty copy and swaps all the copies in with one transaction, so a
reader sees either the old marts or the new ones, never a mix (a backfill replaces its date range inside
one transaction instead).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl
import pyarrow as pa

from transforms.backlog import backlog_levels
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


# The columns of marts.case_facts each other mart reads (a missing one fails loudly: ColumnNotFoundError). Each
# mart's plan holds only its own, so a column is freed once the last mart reading it is written.
_DIMENSIONS = ("agency_code", "category", "severity", "platform")
FACTS_READ_BY = {
    "marts.handoffs": ("agency_code", "case_id", "category", "severity", "platform"),
    "marts.platform_requests": ("agency_code", "case_id", "category", "severity"),
    "marts.public_response_coverage": (*_DIMENSIONS, "case_id", "url_key", "reach", "detected_at"),
    "marts.recurrence": ("agency_code", "case_id", "url_key", "category", "detected_at", "actioned_at"),
    "marts.hotspots": ("category", "detected_at"),
    "marts.kpi_daily": (
        *_DIMENSIONS,
        "detected_at",
        "actioned_at",
        "closed_at",
        "sla_status",
        "is_uncoordinated_duplicate",
    ),
    "marts.backlog_daily": (*_DIMENSIONS, "detected_at", "closed_at"),
}

# A mart whose transform returns its rows in a compact form, and the SQL (over the registered frame, ``{rows}``)
# that expands it to the mart's rows in DuckDB. backlog_daily is run-length encoded by day: ten million rows at five
# million cases, which as a Polars frame, its Arrow copy and DuckDB's insert buffers took gigabytes of memory.
EXPANSIONS = {
    "marts.backlog_daily": """
        SELECT CAST(d.day AS DATE) AS day, r.agency_code, r.category, r.severity, r.platform, r.age_bucket,
               r.open_cases, r.as_of
        FROM {rows} r, generate_series(r.day, r.until, INTERVAL 1 DAY) d(day)
    """,
}


def mart_rows_sql(table: str, view: str) -> str:
    """The SELECT giving ``table``'s rows from the frame registered as ``view`` (its expansion, if it has one)."""
    return EXPANSIONS.get(table, "SELECT * FROM {rows}").format(rows=view)


def arrow_view(rows: pl.DataFrame) -> pa.Table:
    """``rows`` as Arrow without copying: text stays in Polars' string views (the default converts every string)."""
    return rows.to_arrow(compat_level=pl.CompatLevel.newest())


STAGING_BATCH_ROWS = 500_000
"""Rows per Arrow record batch when reading staging."""


def read_staging(con: duckdb.DuckDBPyConnection, sql: str, categorical: tuple[str, ...] = ()) -> pl.LazyFrame:
    """The rows of one staging query as a LazyFrame, with the ``categorical`` text columns as Categorical.

    Read in Arrow record batches, each cast as it arrives, so the full text copy of the ``categorical`` columns never
    exists: at 5M cases this took the peak of reading the cases from 1.49 to 1.28 GB.
    """
    batches = con.sql(sql).to_arrow_reader(STAGING_BATCH_ROWS)
    frames = [_as_frame(pl.from_arrow(batch, rechunk=False), categorical) for batch in batches]
    schema = pl.from_arrow(batches.schema.empty_table())
    rows = pl.concat([_as_frame(schema, categorical), *frames], rechunk=False)
    return rows.lazy()


def _as_frame(rows: pl.DataFrame | pl.Series, categorical: tuple[str, ...]) -> pl.DataFrame:
    if not isinstance(rows, pl.DataFrame):
        raise TypeError(f"expected a frame from Arrow, got {type(rows).__name__}")
    return rows.with_columns(pl.col(categorical).cast(pl.Categorical)) if categorical else rows


def as_categorical(rows: pl.LazyFrame, columns: tuple[str, ...]) -> pl.LazyFrame:
    """``rows`` with the text ``columns`` as Categorical: the same values, in 4 bytes each instead of 16 or more.

    Polars 2.1 orders and compares Categorical values lexically, as text, so the tie-breaks on agency codes in
    ``case_facts`` are unchanged; the transforms cast their output columns back to String. At 5M cases this took
    the peak of computing case_facts from 3.9 to 3.1 GB and 1.5 s of CPU off.
    """
    return rows.with_columns(pl.col(columns).cast(pl.Categorical))


RELEASE_TO = "32MB"
"""The memory_limit :func:`release_cached_blocks` sets for a moment."""


def release_cached_blocks(con: duckdb.DuckDBPyConnection) -> None:
    """Make DuckDB give back the table blocks its buffer pool keeps cached, before Polars needs the memory.

    DuckDB keeps the blocks it scanned or wrote cached up to ``memory_limit``: at 5M cases 0.3 GB after reading
    staging and 0.8 GB after writing the marts, held while Polars computed the next mart. Lowering the limit for a
    moment evicts them (unchanged blocks are reread from the file when needed). When DuckDB cannot evict enough
    (it raises OutOfMemoryException and keeps the old limit), the blocks simply stay cached.
    """
    [(limit,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    try:
        con.execute(f"SET memory_limit = '{RELEASE_TO}'")
    except duckdb.OutOfMemoryException:
        return
    con.execute(f"SET memory_limit = '{_unrounded(limit)}'")


def _unrounded(setting: str) -> str:
    """A memory size as DuckDB shows it (``953.6 MiB``, cut to one decimal) as one that DuckDB shows the same way.

    Setting the shown value back would lower the limit by up to 0.1 unit each time (953.6 MiB shows as 953.5 MiB);
    half a unit more shows as the same text again, so the limit stays within 0.1 unit of the one configured.
    """
    number, _, unit = setting.partition(" ")
    if "." not in number:
        return setting
    return f"{float(number) + 0.05:.2f} {unit}"


def next_table(table: str) -> str:
    """Where :func:`build_marts` writes the new rows of ``table`` before swapping them in."""
    return f"{table}__next"


def create_next_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """An empty :func:`next_table` of ``table`` with the same DDL (column types and constraints)."""
    schema, name = table.split(".")
    [(ddl,)] = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    if not ddl.startswith(f"CREATE TABLE {table}("):
        raise RuntimeError(f"unexpected DDL for {table}: {ddl[:80]}")
    con.execute(f"DROP TABLE IF EXISTS {next_table(table)}")
    con.execute(ddl.replace(f"CREATE TABLE {table}(", f"CREATE TABLE {next_table(table)}(", 1))


def swap_in_next_tables(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Replace every table of ``tables`` by its filled :func:`next_table`, all in one transaction."""
    con.begin()
    try:
        for table in tables:
            con.execute(f"DROP TABLE {table}")
            con.execute(f"ALTER TABLE {next_table(table)} RENAME TO {table.split('.')[1]}")
    except BaseException:
        con.rollback()
        raise
    con.commit()


def replace_mart(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> int:
    """Write ``rows`` (matched by column name) into the empty :func:`next_table` of ``table``; return the rows inserted.

    For a mart in EXPANSIONS, the rows inserted are its expanded rows. :func:`build_marts` swaps the next tables in.
    """
    view = f"_concord_new_{table.replace('.', '_')}"
    con.register(view, arrow_view(rows))
    try:
        inserted = con.execute(f"INSERT INTO {next_table(table)} BY NAME {mart_rows_sql(table, view)}").fetchall()
    finally:
        con.unregister(view)
    return int(inserted[0][0])


@dataclass
class MartPlans:
    """The collected case facts and the plan of every other mart; :func:`write_marts` consumes them.

    Writing takes each frame out of here as it goes, so that its memory is freed once it is written.
    """

    facts: pl.DataFrame | None
    plans: dict[str, pl.LazyFrame]


def mart_plans(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
    local_tz: str = "Asia/Ho_Chi_Minh",
) -> MartPlans:
    """The collected case facts and the plan of every other mart, all from the current staging tables."""
    # Low-cardinality text as Categorical, read so from staging once, for the joins and group-bys of every mart.
    referrals = read_staging(con, REFERRALS_SQL, categorical=("case_agency", "from_agency", "to_agency", "outcome"))
    platform_actions = read_staging(con, PLATFORM_ACTIONS_SQL, categorical=("case_agency", "platform", "action"))
    cases = read_staging(con, CASES_SQL, categorical=("agency_code", "platform", "category", "status"))
    release_cached_blocks(con)
    facts = case_facts(
        cases,
        platform_actions,
        referrals,
        as_of=as_of,
        sla_hours=sla_hours,
        duplicate_window_h=duplicate_window_h,
    ).collect()

    def read(table: str) -> pl.LazyFrame:
        """The columns of the facts that ``table`` reads (selecting them copies nothing)."""
        return facts.select(FACTS_READ_BY[table]).lazy()

    # Written in this order: the marts that read the referrals, the actions, case_id and url_key first, so that
    # those are freed before the two largest, kpi_daily and backlog_daily, are computed.
    plans = {
        # Categorical codes on both sides of handoffs' joins: it was the peak at 5M cases (ping_pongs over 2.5M referrals).
        "marts.handoffs": handoffs(referrals, as_categorical(read("marts.handoffs"), ("agency_code",)), as_of=as_of),
        "marts.platform_requests": platform_requests(
            platform_actions, as_categorical(read("marts.platform_requests"), ("agency_code",)), as_of=as_of
        ),
        "marts.public_response_coverage": public_response_coverage(
            read("marts.public_response_coverage"),
            read_staging(con, PUBLIC_RESPONSES_SQL),
            read_staging(con, PUBLIC_RESPONSE_TARGETS_SQL),
            as_of=as_of,
        ),
        "marts.recurrence": recurrence(read("marts.recurrence"), as_of=as_of),
        "marts.hotspots": hotspots(read("marts.hotspots"), as_of=as_of, local_tz=local_tz),
        "marts.kpi_daily": kpi_daily(read("marts.kpi_daily"), as_of=as_of, local_tz=local_tz),
        "marts.backlog_daily": backlog_levels(read("marts.backlog_daily"), as_of=as_of, local_tz=local_tz),
    }
    return MartPlans(facts, plans)


def write_marts(
    con: duckdb.DuckDBPyConnection,
    marts: MartPlans,
    write: Callable[[duckdb.DuckDBPyConnection, str, pl.DataFrame], int],
    transaction: bool = True,
) -> dict[str, int]:
    """Write case facts and every planned mart with ``write``; return what ``write`` counted.

    With ``transaction`` all writes happen in one transaction; without, each commits on its own (for writes into
    tables no reader sees yet: DuckDB holds a transaction's new rows in memory until it commits).

    Each mart is computed, written and dropped in turn, one at a time: computing the next one while DuckDB
    wrote the last (a worker thread, until 2026-11) saved no time on two shared cores and raised the peak
    memory at 5M cases from 4.6 to 5.7 GB. ``marts`` is emptied on the way: a staging frame or a column of
    the facts is freed as soon as no mart still to compute reads it.
    """
    facts, marts.facts = marts.facts, None
    if facts is None:
        raise ValueError("these mart plans were already written")
    tables = list(marts.plans)
    counts = {}
    if transaction:
        con.begin()
    try:
        counts["marts.case_facts"] = write(con, "marts.case_facts", facts)
        del facts  # the marts still to compute hold only the columns they read
        for table in tables:
            rows = marts.plans.pop(table).collect()
            counts[table] = write(con, table, rows)
            del rows
    except BaseException:
        if transaction:
            con.rollback()
        raise
    if transaction:
        con.commit()
    return counts


def build_marts(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
    local_tz: str = "Asia/Ho_Chi_Minh",
) -> dict[str, int]:
    """Recompute every mart from staging and replace them all in one transaction; return row counts per mart.

    The new rows go into empty copies of the marts (:func:`next_table`), each insert committed on its own, and
    one short transaction then swaps all of them in: a reader sees the old marts or the new ones, never a mix,
    and DuckDB never holds millions of uncommitted rows in memory (at 5M cases that transaction grew by 2.5 GB).
    A failure leaves the marts as they were and drops the copies.
    """
    marts = mart_plans(con, as_of, sla_hours, duplicate_window_h, local_tz)
    tables = ["marts.case_facts", *marts.plans]

    def replace_all(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> int:
        inserted = replace_mart(con, table, rows)
        release_cached_blocks(con)  # committed: nothing of this transaction is left in the buffer pool
        return inserted

    try:
        for table in tables:
            create_next_table(con, table)
        counts = write_marts(con, marts, replace_all, transaction=False)
        swap_in_next_tables(con, tables)
    finally:
        for table in tables:
            con.execute(f"DROP TABLE IF EXISTS {next_table(table)}")
    return counts


# How a backfill decides which rows of a mart belong to its local-date range (docs/operations.md):
# - day-grained marts: the row's local day;
# - case-grained marts: the row's case is one of the backfill's cases (below), keyed by these two columns;
# - recurrence: the local day of the item's first enforcement.
DAY_GRAINED = ("marts.kpi_daily", "marts.backlog_daily", "marts.hotspots")
CASE_KEYS = {
    "marts.case_facts": ("agency_code", "case_id"),
    "marts.public_response_coverage": ("agency_code", "case_id"),
    "marts.handoffs": ("case_agency", "case_id"),
    "marts.platform_requests": ("case_agency", "case_id"),
}
BACKFILL_CASES = "_concord_backfill_cases"


def _in_range(table: str, alias: str) -> str:
    """SQL that is true for a row (``alias``) of ``table`` that belongs to the backfill range ($from, $to, $tz)."""
    if table in DAY_GRAINED:
        return f"{alias}.day BETWEEN $from AND $to"
    if table == "marts.recurrence":
        return f"timezone($tz, {alias}.first_enforcement_at)::DATE BETWEEN $from AND $to"
    agency, case = CASE_KEYS[table]
    return f"EXISTS (SELECT 1 FROM {BACKFILL_CASES} k WHERE k.agency_code = {alias}.{agency} AND k.case_id = {alias}.{case})"


def _used(params: Mapping[str, object], sql: str) -> dict[str, object]:
    """The named parameters that ``sql`` uses (DuckDB refuses unused ones)."""
    return {name: value for name, value in params.items() if f"${name}" in sql}


def replace_range(
    con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame, date_from: date, date_to: date, local_tz: str
) -> int:
    """Replace the rows of ``table`` in the backfill range by the in-range ``rows``; the caller holds the transaction.

    Returns the number of rows inserted. Rows of ``table`` outside the range are not touched.
    """
    view = f"_concord_new_{table.replace('.', '_')}"
    params = {"from": date_from, "to": date_to, "tz": local_tz}
    con.register(view, arrow_view(rows))
    try:
        if table == "marts.case_facts":
            # The backfill's cases: detected in the range now, or in the range in the mart being replaced (a
            # correction that moved a case's detection out of the range replaces its old row too).
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {BACKFILL_CASES} AS
                    SELECT agency_code, case_id FROM {view} WHERE timezone($tz, detected_at)::DATE BETWEEN $from AND $to
                    UNION
                    SELECT agency_code, case_id FROM marts.case_facts
                    WHERE timezone($tz, detected_at)::DATE BETWEEN $from AND $to""",
                params,
            )
        delete = f"DELETE FROM {table} t WHERE {_in_range(table, 't')}"
        con.execute(delete, _used(params, delete))
        insert = (
            f"INSERT INTO {table} BY NAME SELECT * FROM ({mart_rows_sql(table, view)}) t WHERE {_in_range(table, 't')}"
        )
        inserted = con.execute(insert, _used(params, insert)).fetchall()
    finally:
        con.unregister(view)
    return int(inserted[0][0])


def backfill_marts(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    date_from: date,
    date_to: date,
    sla_hours: Mapping[int, float],
    duplicate_window_h: float = 168.0,
    local_tz: str = "Asia/Ho_Chi_Minh",
    on_mart: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Recompute the marts from staging as of ``as_of`` and replace only the rows of [date_from, date_to].

    All marts change in one transaction. Returns the rows inserted per mart; ``on_mart`` is told each mart
    once it is written (for a progress bar).
    """
    if date_from > date_to:
        raise ValueError(f"backfill range is empty: {date_from} is after {date_to}")
    marts = mart_plans(con, as_of, sla_hours, duplicate_window_h, local_tz)

    def replace_in_range(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> int:
        inserted = replace_range(con, table, rows, date_from, date_to, local_tz)
        if on_mart is not None:
            on_mart(table)
        return inserted

    try:
        return write_marts(con, marts, replace_in_range)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {BACKFILL_CASES}")
