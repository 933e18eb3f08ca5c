"""The DuckDB warehouse: its schema (the stable contract auditors and BI tools query) and connections.

Logic never opens the warehouse itself: callers pass a connection in (tests pass ``:memory:``).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

# Every table name here is part of the warehouse contract (PRODUCT.md): add columns freely,
# never rename or drop one without a migration note in CHANGELOG.md.
# Staging keys are enforced by the loader (delete-then-insert per key) and checked by the GX suites,
# not by PRIMARY KEY constraints: DuckDB keeps ART indexes in memory, which would cost ~1 GB at 10 M rows.
SCHEMA_SQL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS audit.runs (
    run_id        VARCHAR PRIMARY KEY,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    as_of         TIMESTAMPTZ NOT NULL,
    status        VARCHAR NOT NULL,          -- running, completed, failed
    code_version  VARCHAR,
    inbox         VARCHAR,                   -- NULL for a run that reads no inbox
    flow          VARCHAR                    -- the flow that ran: concord-pipeline, concord-ingest, concord-metrics, …
);
-- Warehouses written before audit.runs had a flow column.
ALTER TABLE audit.runs ADD COLUMN IF NOT EXISTS flow VARCHAR;

CREATE TABLE IF NOT EXISTS audit.batches (
    batch_id          VARCHAR PRIMARY KEY,
    run_id            VARCHAR,
    source            VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    file_sha256       VARCHAR NOT NULL,
    file_bytes        BIGINT,
    status            VARCHAR NOT NULL,      -- loaded, rejected, skipped
    reason            VARCHAR,
    rows_in           BIGINT NOT NULL,
    rows_loaded       BIGINT NOT NULL,
    rows_quarantined  BIGINT NOT NULL,
    ignored_columns   VARCHAR[],             -- columns in the file that the source does not define
    loaded_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS quarantine.rows (
    batch_id      VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL,
    reason_codes  VARCHAR[] NOT NULL,
    raw           JSON NOT NULL
);

CREATE TABLE IF NOT EXISTS audit.validations (
    run_id            VARCHAR NOT NULL,
    validated_at      TIMESTAMPTZ NOT NULL,
    suite_name        VARCHAR NOT NULL,
    suite_version     VARCHAR,
    table_name        VARCHAR NOT NULL,
    expectation_type  VARCHAR NOT NULL,
    column_name       VARCHAR,
    why               VARCHAR,
    success           BOOLEAN NOT NULL,
    observed_value    VARCHAR,
    unexpected_count  BIGINT,
    element_count     BIGINT,
    details           JSON
);

-- One evidence record per run (concord/evidence.py), chained: previous_sha256 is the record_sha256 of the
-- row before it (null for the first), record_sha256 the SHA-256 of the record's canonical JSON.
CREATE TABLE IF NOT EXISTS audit.evidence (
    run_id           VARCHAR NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    record           JSON NOT NULL,
    record_sha256    VARCHAR NOT NULL,
    previous_sha256  VARCHAR
);

-- Volume check per source per run (issue #4): the rows a source delivered in the run, judged against that
-- source's own trailing history of earlier runs. status: ok, anomalous, no_history (too few earlier runs),
-- no_delivery (nothing new this run: not judged). reason explains an anomalous row in one line.
CREATE TABLE IF NOT EXISTS audit.volume_checks (
    run_id           VARCHAR NOT NULL,
    checked_at       TIMESTAMPTZ NOT NULL,
    source           VARCHAR NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    history_runs     INTEGER NOT NULL,
    baseline_median  DOUBLE,
    lower_bound      DOUBLE,
    upper_bound      DOUBLE,
    status           VARCHAR NOT NULL,
    reason           VARCHAR
);

CREATE TABLE IF NOT EXISTS staging.agencies (
    agency_code  VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    name_en      VARCHAR,
    tier         VARCHAR NOT NULL,
    role         VARCHAR NOT NULL,
    parent_code  VARCHAR,
    batch_id     VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.cases (
    agency_code        VARCHAR NOT NULL,
    case_id            VARCHAR NOT NULL,
    detected_at        TIMESTAMPTZ NOT NULL,
    url                VARCHAR NOT NULL,     -- raw URL as received, credentials masked
    url_key            VARCHAR NOT NULL,
    platform           VARCHAR NOT NULL,
    category           VARCHAR NOT NULL,
    severity           TINYINT NOT NULL,     -- 1 = low .. 4 = critical
    reach              BIGINT,
    status             VARCHAR NOT NULL,
    triaged_at         TIMESTAMPTZ,
    closed_at          TIMESTAMPTZ,
    account_pseudonym  VARCHAR,              -- HMAC-SHA256 of the handle; the handle is never stored
    notes              VARCHAR,              -- scrubbed of e-mails, phone and ID numbers
    batch_id           VARCHAR NOT NULL,
    row_number         BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.referrals (
    referral_id      VARCHAR NOT NULL,
    case_agency      VARCHAR NOT NULL,
    case_id          VARCHAR NOT NULL,
    from_agency      VARCHAR NOT NULL,
    to_agency        VARCHAR NOT NULL,
    sent_at          TIMESTAMPTZ NOT NULL,
    acknowledged_at  TIMESTAMPTZ,
    completed_at     TIMESTAMPTZ,
    outcome          VARCHAR,
    batch_id         VARCHAR NOT NULL,
    row_number       BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.platform_actions (
    request_id    VARCHAR NOT NULL,
    case_agency   VARCHAR NOT NULL,
    case_id       VARCHAR NOT NULL,
    platform      VARCHAR NOT NULL,
    requested_at  TIMESTAMPTZ NOT NULL,
    responded_at  TIMESTAMPTZ,
    action        VARCHAR NOT NULL,
    batch_id      VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.public_responses (
    response_id   VARCHAR NOT NULL,        -- RSS guid / Atom id
    link          VARCHAR,
    title         VARCHAR,
    published_at  TIMESTAMPTZ NOT NULL,
    category      VARCHAR,
    batch_id      VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.public_response_targets (
    response_id  VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    url_key      VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.case_facts (
    agency_code                 VARCHAR NOT NULL,
    case_id                     VARCHAR NOT NULL,
    url_key                     VARCHAR NOT NULL,
    platform                    VARCHAR NOT NULL,
    category                    VARCHAR NOT NULL,
    severity                    TINYINT NOT NULL,
    status                      VARCHAR NOT NULL,
    detected_at                 TIMESTAMPTZ NOT NULL,
    closed_at                   TIMESTAMPTZ,
    actioned_at                 TIMESTAMPTZ,
    time_to_triage_h            DOUBLE,
    time_to_action_h            DOUBLE,
    time_to_close_h             DOUBLE,
    sla_target_h                DOUBLE NOT NULL,
    sla_status                  VARCHAR NOT NULL,   -- met, breached, pending
    is_uncoordinated_duplicate  BOOLEAN NOT NULL,
    reach                       BIGINT,
    referrals                   BIGINT NOT NULL,    -- hand-offs of this case sent by as_of
    outcome                     VARCHAR NOT NULL,   -- case-flow end state: actioned, closed, rejected, open
    as_of                       TIMESTAMPTZ NOT NULL
);

-- Row-level facts per referral: hand-off acknowledgement and ping-pong (one row per referral_id).
CREATE TABLE IF NOT EXISTS marts.handoffs (
    referral_id       VARCHAR NOT NULL,
    case_agency       VARCHAR NOT NULL,
    case_id           VARCHAR NOT NULL,
    from_agency       VARCHAR NOT NULL,
    to_agency         VARCHAR NOT NULL,
    category          VARCHAR,              -- of the case (NULL when the case is unknown)
    severity          TINYINT,
    platform          VARCHAR,
    sent_at           TIMESTAMPTZ NOT NULL,
    acknowledged_at   TIMESTAMPTZ,          -- NULL, or after as_of, counts as not acknowledged
    ack_latency_h     DOUBLE,
    is_stalled        BOOLEAN NOT NULL,     -- not acknowledged within 24 h (see docs/metrics.md)
    is_ping_pong      BOOLEAN NOT NULL,     -- sent to an agency that already held the case
    outcome           VARCHAR,
    as_of             TIMESTAMPTZ NOT NULL
);

-- Row-level facts per takedown/abuse request to a platform (one row per request_id).
CREATE TABLE IF NOT EXISTS marts.platform_requests (
    request_id       VARCHAR NOT NULL,
    case_agency      VARCHAR NOT NULL,
    case_id          VARCHAR NOT NULL,
    platform         VARCHAR NOT NULL,
    category         VARCHAR,
    severity         TINYINT,
    requested_at     TIMESTAMPTZ NOT NULL,
    responded_at     TIMESTAMPTZ,
    response_h       DOUBLE,
    action           VARCHAR NOT NULL,
    is_enforcement   BOOLEAN NOT NULL,
    counts_for_rate  BOOLEAN NOT NULL,      -- answered or no_response; pending excluded
    as_of            TIMESTAMPTZ NOT NULL
);

-- Open cases at the end of each local day by age bucket (cases open at end of day d, age at that moment).
CREATE TABLE IF NOT EXISTS marts.backlog_daily (
    day          DATE NOT NULL,
    agency_code  VARCHAR NOT NULL,
    category     VARCHAR NOT NULL,
    severity     TINYINT NOT NULL,
    platform     VARCHAR NOT NULL,
    age_bucket   VARCHAR NOT NULL,          -- '0-1d', '1-3d', '3-7d', '7-30d', '30d+'
    open_cases   BIGINT NOT NULL,
    as_of        TIMESTAMPTZ NOT NULL
);

-- Misinformation cases with reach >= 10,000 and whether an official public response followed within 48 h.
CREATE TABLE IF NOT EXISTS marts.public_response_coverage (
    agency_code           VARCHAR NOT NULL,
    case_id               VARCHAR NOT NULL,
    url_key               VARCHAR NOT NULL,
    category              VARCHAR NOT NULL,
    severity              TINYINT NOT NULL,
    platform              VARCHAR NOT NULL,
    reach                 BIGINT NOT NULL,
    detected_at           TIMESTAMPTZ NOT NULL,
    first_response_at     TIMESTAMPTZ,
    time_to_response_h    DOUBLE,
    covered_within_48h    BOOLEAN NOT NULL,
    as_of                 TIMESTAMPTZ NOT NULL
);

-- Items (url_key) enforced once that came back in a later case.
CREATE TABLE IF NOT EXISTS marts.recurrence (
    url_key                VARCHAR NOT NULL,
    first_enforcement_at   TIMESTAMPTZ NOT NULL,
    category               VARCHAR NOT NULL,   -- of the enforced case
    recurrences            BIGINT NOT NULL,    -- cases detected after the first enforcement
    last_seen_at           TIMESTAMPTZ NOT NULL,
    as_of                  TIMESTAMPTZ NOT NULL
);

-- New cases per (category, local day) against the trailing 28-day mean and standard deviation.
CREATE TABLE IF NOT EXISTS marts.hotspots (
    category        VARCHAR NOT NULL,
    day             DATE NOT NULL,
    new_cases       BIGINT NOT NULL,
    trailing_mean   DOUBLE,
    trailing_std    DOUBLE,
    is_hotspot      BOOLEAN NOT NULL,
    as_of           TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.kpi_daily (
    day                   DATE NOT NULL,        -- local day (Asia/Ho_Chi_Minh)
    agency_code           VARCHAR NOT NULL,
    category              VARCHAR NOT NULL,
    severity              TINYINT NOT NULL,
    platform              VARCHAR NOT NULL,
    cases_detected        BIGINT NOT NULL,
    cases_actioned        BIGINT NOT NULL,      -- cases whose first enforcement fell on this day
    sla_met               BIGINT NOT NULL,      -- by day of detection
    sla_breached          BIGINT NOT NULL,
    sla_pending           BIGINT NOT NULL,
    duplicates            BIGINT NOT NULL,      -- uncoordinated duplicates detected this day
    backlog_open          BIGINT NOT NULL,      -- open at the end of the local day
    as_of                 TIMESTAMPTZ NOT NULL
);
"""

# Columns added after a table first shipped: ADD COLUMN IF NOT EXISTS migrates an older warehouse in place the
# next time a writer opens it (ensure_schema), and is a no-op on a new one.
MIGRATIONS_SQL = """
-- date_from/date_to: the local-date range a backfill (flow concord-backfill) recomputed (NULL for other runs).
ALTER TABLE audit.runs ADD COLUMN IF NOT EXISTS date_from DATE;
ALTER TABLE audit.runs ADD COLUMN IF NOT EXISTS date_to DATE;
"""


def connect(path: str | os.PathLike[str] = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the session settings every query relies on (UTC, no progress bar)."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every schema and table of the contract that does not exist yet; add the columns added since."""
    con.execute(SCHEMA_SQL)
    con.execute(MIGRATIONS_SQL)
