"""The pipeline's stages called directly, in-process, each returning its own figures.

The stages are the ones :func:`flows.pipeline.pipeline` strings together, without Prefect:
``flows.ingest.ingest_file`` per file, ``expectations.validate.validate_warehouse``,
``transforms.build.build_marts`` and ``concord.serving.publish``. The connection is opened the way
``flows.pipeline._open`` opens it (schema, raw tables, parsing macros with the HMAC key, ``run_as_of()``).
:mod:`bench.worker` runs each of them in a process of its own so that its peak RSS is its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from bench.common import AS_OF, HMAC_KEY, current_rss_kib, peak_rss_kib


def as_of_utc(as_of: str = AS_OF) -> datetime:
    return datetime.fromisoformat(as_of).astimezone(UTC)


def open_warehouse(
    db: Path, as_of: str = AS_OF, hmac_key: str = HMAC_KEY, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """The warehouse connection as ``flows.pipeline._open`` prepares it.

    DuckDB's ``memory_limit`` is the pipeline's (``Settings.duckdb_memory_limit``, 1GB by default) unless
    ``memory_limit`` (e.g. ``"4GB"``) overrides it for an experiment.
    """
    from concord.settings import Settings
    from concord.warehouse import connect, ensure_schema
    from flows import parsing
    from flows.ingest import ensure_raw_table
    from flows.sources import SOURCES

    con = connect(db)
    con.execute(f"SET memory_limit = '{memory_limit or Settings().duckdb_memory_limit}'")
    ensure_schema(con)
    for source in SOURCES.values():
        ensure_raw_table(con, source)
    parsing.install(con, hmac_key=hmac_key.encode())
    con.execute(f"CREATE OR REPLACE TEMP MACRO run_as_of() AS TIMESTAMPTZ '{as_of_utc(as_of).isoformat()}'")
    return con


_cpu0 = 0.0


def _mark() -> int:
    """Start a stage's clocks: remembers the process CPU time; returns the RSS now (KiB)."""
    global _cpu0
    _cpu0 = time.process_time()
    return current_rss_kib()


def _figures(t0: float, rss0: int, **extra: Any) -> dict[str, Any]:
    """A stage's figures: wall, CPU (all threads of this process), RSS before it and the process's peak RSS."""
    return {
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - _cpu0,
        "rss_before_kib": rss0,
        "peak_rss_kib": peak_rss_kib(),
        **extra,
    }


def list_inbox(inbox: Path, sources: list[str] | None = None) -> list[tuple[str, Path]]:
    """The inbox's files as (source, path), in the order ``flows.pipeline.inbox_files`` gives (without Prefect)."""
    from flows.sources import SOURCES

    found = []
    for name in SOURCES:
        folder = inbox / name
        if (sources is None or name in sources) and folder.is_dir():
            found += [(name, p) for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")]
    return found


def ingest(
    db: Path,
    inbox: Path,
    sources: list[str] | None = None,
    as_of: str = AS_OF,
    per_file: bool = False,
    memory_limit: str | None = None,
) -> dict[str, Any]:
    """``ingest_file`` for every file of ``sources`` (all by default), in one connection; figures per source."""
    from flows.ingest import ingest_file
    from flows.sources import SOURCES

    rss0 = _mark()
    t0 = time.perf_counter()
    con = open_warehouse(db, as_of, memory_limit=memory_limit)
    by_source: dict[str, dict[str, Any]] = {}
    files: list[dict[str, Any]] = []
    try:
        for source, path in list_inbox(inbox, sources):
            t_file, cpu_file = time.perf_counter(), time.process_time()
            result = ingest_file(con, path, SOURCES[source], run_id="bench", inbox=inbox)
            elapsed, cpu = time.perf_counter() - t_file, time.process_time() - cpu_file
            totals = by_source.setdefault(
                source,
                {
                    "files": 0,
                    "rows_in": 0,
                    "rows_loaded": 0,
                    "rows_quarantined": 0,
                    "rejected": 0,
                    "wall_s": 0.0,
                    "cpu_s": 0.0,
                },
            )
            totals["files"] += 1
            totals["rows_in"] += result.rows_in
            totals["rows_loaded"] += result.rows_loaded
            totals["rows_quarantined"] += result.rows_quarantined
            totals["rejected"] += result.status == "rejected"
            totals["wall_s"] += elapsed
            totals["cpu_s"] += cpu
            if per_file:
                files.append({"file": result.file_name, "rows_in": result.rows_in, "wall_s": elapsed, "cpu_s": cpu})
        t_close = time.perf_counter()
    finally:
        con.close()
    return _figures(t0, rss0, sources=by_source, files=files, close_s=time.perf_counter() - t_close)


def validate(db: Path, docs_dir: Path | None = None) -> dict[str, Any]:
    """``validate_warehouse`` on the file (GX opens it itself), with Data Docs when ``docs_dir`` is given."""
    rss0 = _mark()
    t0 = time.perf_counter()
    import great_expectations  # noqa: F401  (validate_warehouse imports it lazily: timed here on its own)

    from expectations.validate import validate_warehouse

    t_import = time.perf_counter() - t0
    results = validate_warehouse(db, f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}", docs_dir)
    return _figures(
        t0,
        rss0,
        import_s=t_import,
        suites=len(results),
        failed_suites=sum(not r["success"] for r in results),
        expectations=sum(r["evaluated"] for r in results),
    )


def marts(db: Path, as_of: str = AS_OF, breakdown: bool = False, memory_limit: str | None = None) -> dict[str, Any]:
    """``build_marts`` as the flow calls it; with ``breakdown`` its steps timed one by one instead."""
    from concord.settings import Settings
    from transforms import build

    settings = Settings()
    with duckdb.connect(str(db)) as cached:  # a cached warehouse may hold marts of an older schema (not timed)
        drop_stale_marts(cached)
    rss0 = _mark()
    t0 = time.perf_counter()
    con = open_warehouse(db, as_of, memory_limit=memory_limit)
    opened_s = time.perf_counter() - t0
    try:
        if not breakdown:
            counts = build.build_marts(
                con, as_of_utc(as_of), settings.sla_hours, settings.duplicate_window_h, settings.local_tz
            )
            return _figures(t0, rss0, rows=counts)
        from transforms.case_facts import case_facts
        from transforms.kpi_daily import kpi_daily

        steps: dict[str, float] = {"open the warehouse (schema, macros)": opened_s}
        t = time.perf_counter()
        cases = build.read_staging(con, build.CASES_SQL)
        actions = build.read_staging(con, build.PLATFORM_ACTIONS_SQL)
        referrals = build.read_staging(con, build.REFERRALS_SQL)
        steps["read staging (DuckDB → Polars)"] = time.perf_counter() - t
        t = time.perf_counter()
        facts = case_facts(
            cases,
            actions,
            referrals,
            as_of=as_of_utc(as_of),
            sla_hours=settings.sla_hours,
            duplicate_window_h=settings.duplicate_window_h,
        ).collect()
        steps["case_facts (Polars)"] = time.perf_counter() - t
        t = time.perf_counter()
        daily = kpi_daily(facts.lazy(), as_of=as_of_utc(as_of), local_tz=settings.local_tz).collect()
        steps["kpi_daily (Polars)"] = time.perf_counter() - t
        # build.replace_mart's statements, timed one by one (register, DELETE, INSERT BY NAME; then COMMIT).
        con.begin()
        for table, rows in (("marts.case_facts", facts), ("marts.kpi_daily", daily)):
            view = f"_bench_new_{table.replace('.', '_')}"
            con.register(view, rows.to_arrow())
            t = time.perf_counter()
            con.execute(f"DELETE FROM {table}")
            steps[f"write: DELETE FROM {table}"] = time.perf_counter() - t
            t = time.perf_counter()
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}")
            steps[f"write: INSERT INTO {table} ({rows.height:,} rows)"] = time.perf_counter() - t
            con.unregister(view)
        t = time.perf_counter()
        con.commit()
        steps["write: COMMIT"] = time.perf_counter() - t
        return _figures(t0, rss0, steps=steps, rows={"marts.case_facts": facts.height, "marts.kpi_daily": daily.height})
    finally:
        con.close()


def drop_stale_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Drop the marts whose columns differ from the contract's, then create every missing table; returns those dropped.

    A cached benchmark warehouse can predate a change to the marts (new columns, new marts). Marts are derived from
    staging, so dropping them loses nothing: ``build_marts`` fills them again.
    """
    from concord.warehouse import connect, ensure_schema

    columns = """
        SELECT schema_name || '.' || table_name, list(column_name || ' ' || data_type ORDER BY column_index)
        FROM duckdb_columns() WHERE schema_name = 'marts' AND database_name = current_database() GROUP BY ALL
    """
    contract = connect(":memory:")
    try:
        ensure_schema(contract)
        wanted = dict(contract.execute(columns).fetchall())
    finally:
        contract.close()
    present = dict(con.execute(columns).fetchall())
    stale = sorted(name for name, cols in present.items() if name in wanted and cols != wanted[name])
    for name in stale:
        con.execute(f"DROP TABLE {name}")
    ensure_schema(con)
    return stale


def serving_copy(
    db: Path, target: Path, as_of: str = AS_OF, rebuild: bool = False, run_id: str = "bench-pages"
) -> dict[str, Any]:
    """The serving copy the dashboard reads, from the warehouse ``db`` (staging loaded), published to ``target``.

    The marts are (re)built with ``build_marts`` first when ``rebuild`` is set or any served mart is missing, empty
    or from an older schema. ``publish`` copies the served tables; then one completed run (``run_id``, ``as_of``) is
    written into the copy's ``audit.runs`` so that "data as of" shows as after a real run (the warehouse's own
    ``audit.runs`` is left alone).
    """
    from concord.serving import SERVED_TABLES
    from concord.serving import publish as publish_copy
    from concord.settings import Settings
    from concord.warehouse import connect
    from transforms import build

    rss0 = _mark()
    t0 = time.perf_counter()
    target = Path(target)
    con = open_warehouse(Path(db), as_of)
    steps: dict[str, float] = {}
    try:
        dropped = drop_stale_marts(con)
        marts = [name for name in SERVED_TABLES if name.startswith("marts.")]
        empty = [name for name in marts if not con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]]
        if rebuild or dropped or empty:
            settings = Settings()
            t = time.perf_counter()
            build.build_marts(con, as_of_utc(as_of), settings.sla_hours, settings.duplicate_window_h, settings.local_tz)
            steps["build_marts"] = time.perf_counter() - t
        t = time.perf_counter()
        publish_copy(con, target)
        steps["publish"] = time.perf_counter() - t
    finally:
        con.close()
    copy = connect(target)
    try:
        copy.execute(
            "INSERT INTO audit.runs (run_id, started_at, finished_at, as_of, status, code_version, inbox)"
            " VALUES (?, now(), now(), ?, 'completed', 'bench', ?)",
            [run_id, as_of_utc(as_of), str(db)],
        )
        rows = {name: copy.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in SERVED_TABLES}
    finally:
        copy.close()
    return _figures(
        t0,
        rss0,
        steps=steps,
        dropped_stale_marts=dropped,
        empty_marts=empty,
        rows=rows,
        bytes=target.stat().st_size,
    )


def render_pages(serving: Path, **kwargs: Any) -> dict[str, Any]:
    """Every leadership page rendered by Streamlit's AppTest from the serving copy (see :mod:`bench.pages`)."""
    from bench.pages import render_pages as render

    return render(Path(serving), **kwargs)


def publish(db: Path, as_of: str = AS_OF) -> dict[str, Any]:
    """``concord.serving.publish``: the dashboard's serving copy next to the warehouse."""
    from concord.serving import publish as publish_copy
    from concord.settings import serving_path

    rss0 = _mark()
    t0 = time.perf_counter()
    con = open_warehouse(db, as_of)
    try:
        target = publish_copy(con, serving_path(db))
    finally:
        con.close()
    return _figures(t0, rss0, bytes=target.stat().st_size)


def floor_load(db: Path, files: dict[str, list[str]]) -> dict[str, Any]:
    """The floor: DuckDB merely loading the same files as text (CSV ``all_varchar``, JSON Lines as text fields)."""
    from concord.warehouse import connect

    rss0 = _mark()
    t0 = time.perf_counter()
    con = connect(db)
    by_source: dict[str, dict[str, Any]] = {}
    try:
        for source, paths in files.items():
            t, cpu = time.perf_counter(), time.process_time()
            for i, path in enumerate(paths):
                if path.endswith(".jsonl"):
                    with open(path, encoding="utf-8") as fh:
                        keys = list(json.loads(fh.readline()))
                    columns = "{" + ", ".join(f"'{k}': 'VARCHAR'" for k in keys) + "}"
                    reader = f"read_json('{path}', format = 'newline_delimited', columns = {columns})"
                else:
                    reader = f"read_csv('{path}', all_varchar = true, header = true)"
                verb = f"CREATE TABLE {source} AS" if i == 0 else f"INSERT INTO {source} BY NAME"
                con.execute(f"{verb} SELECT * FROM {reader}")
            rows = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]  # type: ignore[index]
            by_source[source] = {
                "files": len(paths),
                "rows_in": rows,
                "wall_s": time.perf_counter() - t,
                "cpu_s": time.process_time() - cpu,
            }
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return _figures(t0, rss0, sources=by_source)


STAGES: dict[str, Callable[..., dict[str, Any]]] = {
    "ingest": ingest,
    "validate": validate,
    "marts": marts,
    "publish": publish,
    "floor": floor_load,
    "serving": serving_copy,
    "pages": render_pages,
}
