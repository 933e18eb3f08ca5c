"""Volume-anomaly check per source: the rows a source delivered in a run against its own trailing history.

The rule (also in ``docs/data-quality.md``), computed with DuckDB SQL over ``audit.batches``:

* **This run's volume** of a source is the sum of ``rows_loaded`` over its batches of the run. The source
  *delivered* when the run has at least one ``loaded`` or ``rejected`` batch of it: a rejected file is a delivery
  of zero rows and is judged; a skipped exact re-delivery is nothing new.
* **History**: the same source's volumes in its latest ``history_runs`` earlier runs that loaded at least one batch
  of it (earlier: their first batch was loaded before this run's first batch of the source, or before
  ``checked_at`` when the source delivered nothing).
* **Baseline and bounds**: median ``m`` of the history and its median absolute deviation ``MAD``; the spread is
  ``s = max(1.4826·MAD, min_spread·m, 1)`` (1.4826 makes MAD estimate a standard deviation for normal data; the
  floors keep a perfectly steady history from flagging every small change); the bounds are
  ``[max(0, m − k·s), m + k·s]``. Median and MAD ignore the odd outlier run in the history, unlike mean and
  standard deviation.
* **Status**: ``no_delivery`` (nothing new this run: not judged), ``no_history`` (fewer than ``min_history``
  earlier runs), ``anomalous`` (outside the bounds; ``reason`` says which side), else ``ok``.

No GX import: the pipeline calls this right after ingest, on its own connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import polars as pl

STATUSES = ("ok", "anomalous", "no_history", "no_delivery")
COLUMNS = (
    "run_id",
    "checked_at",
    "source",
    "rows_loaded",
    "history_runs",
    "baseline_median",
    "lower_bound",
    "upper_bound",
    "status",
    "reason",
)

_SQL = """
WITH per_run AS (
    SELECT source, run_id, min(loaded_at) AS first_at,
           coalesce(sum(rows_loaded) FILTER (WHERE status = 'loaded'), 0)::BIGINT AS rows_loaded,
           count(*) FILTER (WHERE status = 'loaded') AS loaded_batches,
           count(*) FILTER (WHERE status IN ('loaded', 'rejected')) AS delivered_batches
    FROM audit.batches
    GROUP BY source, run_id
),
sources AS (
    SELECT DISTINCT source FROM (SELECT unnest($sources::VARCHAR[]) AS source UNION ALL SELECT source FROM per_run)
),
current_run AS (
    SELECT s.source, coalesce(p.rows_loaded, 0)::BIGINT AS rows_loaded,
           coalesce(p.delivered_batches, 0) > 0 AS delivered,
           coalesce(p.first_at, $checked_at::TIMESTAMPTZ) AS cutoff
    FROM sources s LEFT JOIN per_run p ON p.source = s.source AND p.run_id = $run_id
),
history AS (
    SELECT source, rows_loaded FROM (
        SELECT c.source, p.rows_loaded,
               row_number() OVER (PARTITION BY c.source ORDER BY p.first_at DESC, p.run_id DESC) AS recency
        FROM current_run c
        JOIN per_run p ON p.source = c.source AND p.run_id <> $run_id AND p.loaded_batches > 0 AND p.first_at < c.cutoff
    )
    WHERE recency <= $history_runs
),
baseline AS (
    SELECT source, count(*)::INTEGER AS n, median(rows_loaded)::DOUBLE AS m FROM history GROUP BY source
),
spread AS (
    SELECT h.source, greatest(1.4826 * median(abs(h.rows_loaded - b.m)), $min_spread * b.m, 1.0) AS s
    FROM history h JOIN baseline b USING (source)
    GROUP BY h.source, b.m
),
judged AS (
    SELECT c.source, c.rows_loaded, c.delivered, coalesce(b.n, 0)::INTEGER AS history_runs, b.m AS baseline_median,
           CASE WHEN b.n >= $min_history THEN greatest(0.0, b.m - $k * sp.s) END AS lower_bound,
           CASE WHEN b.n >= $min_history THEN b.m + $k * sp.s END AS upper_bound
    FROM current_run c LEFT JOIN baseline b USING (source) LEFT JOIN spread sp USING (source)
)
SELECT $run_id AS run_id, $checked_at::TIMESTAMPTZ AS checked_at, source, rows_loaded, history_runs,
       baseline_median, lower_bound, upper_bound,
       CASE WHEN NOT delivered THEN 'no_delivery'
            WHEN lower_bound IS NULL THEN 'no_history'
            WHEN rows_loaded < lower_bound OR rows_loaded > upper_bound THEN 'anomalous'
            ELSE 'ok' END AS status,
       CASE WHEN NOT delivered THEN 'no new file this run'
            WHEN lower_bound IS NULL
                THEN format('{} earlier runs with deliveries, {} needed', history_runs, $min_history)
            WHEN rows_loaded < lower_bound OR rows_loaded > upper_bound
                THEN format('{:,} rows loaded, {} the {} bound {:,.0f} (median {:,.0f} of {} earlier runs)',
                            rows_loaded,
                            CASE WHEN rows_loaded < lower_bound THEN 'below' ELSE 'above' END,
                            CASE WHEN rows_loaded < lower_bound THEN 'lower' ELSE 'upper' END,
                            CASE WHEN rows_loaded < lower_bound THEN lower_bound ELSE upper_bound END,
                            baseline_median, history_runs)
       END AS reason
FROM judged
ORDER BY source
"""


def volume_checks(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    checked_at: datetime,
    sources: Sequence[str],
    *,
    history_runs: int = 14,
    min_history: int = 3,
    k: float = 4.0,
    min_spread: float = 0.1,
) -> pl.DataFrame:
    """One row per source (``sources`` and any other in audit.batches) judging run ``run_id``: audit.volume_checks."""
    return con.sql(
        _SQL,
        params={
            "run_id": run_id,
            "checked_at": checked_at,
            "sources": list(sources),
            "history_runs": history_runs,
            "min_history": min_history,
            "k": float(k),
            "min_spread": float(min_spread),
        },
    ).pl()


def store_volume_checks(con: duckdb.DuckDBPyConnection, run_id: str, checks: pl.DataFrame) -> None:
    """Replace run ``run_id``'s rows of ``audit.volume_checks`` with ``checks``, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM audit.volume_checks WHERE run_id = ?", [run_id])
        con.register("_volume_checks", checks.select(COLUMNS))
        try:
            con.execute(f"INSERT INTO audit.volume_checks ({', '.join(COLUMNS)}) SELECT * FROM _volume_checks")
        finally:
            con.unregister("_volume_checks")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
