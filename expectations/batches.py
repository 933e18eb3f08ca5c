"""Data contract for ``audit.batches``: every file accounted for, and every source fresh.

Freshness has no native GX expectation: it is a :func:`~expectations.contract.no_rows` check listing the sources
whose newest *loaded* batch is older than their limit at validation time (``now()`` in DuckDB), or that never
loaded one. The limits come from ``Settings.freshness_limits_h`` when validation starts, so the contract is built
by a function; its version changes when a limit does.
"""

from __future__ import annotations

from collections.abc import Mapping

from expectations.contract import TableContract, columns_exist, in_set, no_rows, unique

BATCH_STATUSES = ("loaded", "rejected", "skipped")


def freshness_query(limits_h: Mapping[str, float], default_h: float) -> str:
    """Rows (source, newest_loaded_at, age_h, limit_h) for each stale source: configured ones and any with batches."""
    limits = ", ".join(
        f"('{source.replace(chr(39), chr(39) * 2)}', {float(h)!r})" for source, h in sorted(limits_h.items())
    )
    configured = (
        f"SELECT * FROM (VALUES {limits}) AS l(source, limit_h)"
        if limits
        else ("SELECT NULL::VARCHAR AS source, NULL::DOUBLE AS limit_h WHERE false")
    )
    return (
        f"WITH limits AS ({configured}),"
        " newest AS (SELECT source, max(loaded_at) AS newest_loaded_at FROM {batch}"
        " WHERE status = 'loaded' GROUP BY source),"
        " judged AS (SELECT coalesce(l.source, n.source) AS source, n.newest_loaded_at,"
        " (epoch(now()) - epoch(n.newest_loaded_at)) / 3600 AS age_h,"
        f" coalesce(l.limit_h, {float(default_h)!r}) AS limit_h"
        " FROM limits l FULL JOIN newest n ON l.source = n.source)"
        " SELECT source, newest_loaded_at, age_h, limit_h FROM judged"
        " WHERE newest_loaded_at IS NULL OR age_h > limit_h"
    )


def contract(limits_h: Mapping[str, float], default_h: float) -> TableContract:
    """The batches contract with these freshness limits (hours by source; ``default_h`` for any other source)."""
    return TableContract(
        table="audit.batches",
        checks=(
            columns_exist(
                ("batch_id", "source", "file_name", "file_sha256", "status", "rows_in", "rows_loaded", "loaded_at"),
                why="Reconciliation, lineage and the evidence record read these columns by name.",
            ),
            unique("batch_id", why="Lineage follows a row to its batch by this id: it must name one file."),
            in_set("status", BATCH_STATUSES, why="Every file ends loaded, rejected or skipped: nothing else exists."),
            no_rows(
                "SELECT batch_id, rows_in, rows_loaded, rows_quarantined FROM {batch}"
                " WHERE rows_in <> rows_loaded + rows_quarantined",
                why="Nothing is lost: every row of a file is loaded or quarantined.",
            ),
            no_rows(
                freshness_query(limits_h, default_h),
                why="A source whose newest loaded file is older than its limit makes every KPI on it stale.",
            ),
        ),
    )
