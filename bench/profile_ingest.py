"""``ingest-profile``: where one file's ``ingest_file`` spends its time, statement by statement.

The connection handed to ``flows.ingest.ingest_file`` is wrapped so that every ``execute`` is timed; the reader
(decode + Polars parse) and the header mapping are timed on their own first. With ``--warehouse`` the file is
loaded into a copy of an existing warehouse (its audit row for that file removed, so it is not skipped as a
re-delivery), which shows how statements scale with the rows already in staging; without it, a fresh warehouse
gets the agencies of the same inbox first (the codes the checks compare to).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import OUTPUT, current_rss_kib, fresh_file, heading, mb, peak_rss_kib, secs, table


class TimedConnection:
    """A DuckDB connection whose ``execute`` calls are timed (everything else is passed through)."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.timings: list[tuple[str, float, float]] = []

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        result = self._con.execute(sql, *args, **kwargs)
        self.timings.append((sql, time.perf_counter() - t0, time.process_time() - c0))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _label(sql: str) -> str:
    text = re.sub(r"\s+", " ", sql).strip()
    return text[:110] + ("…" if len(text) > 110 else "")


def profile(path: Path, source_name: str, warehouse: Path | None = None, work: Path | None = None) -> dict[str, Any]:
    from bench.stages import open_warehouse
    from flows.ingest import canonical_frame, file_sha256, ingest_file
    from flows.readers import READERS
    from flows.sources import SOURCES

    source = SOURCES[source_name]
    work = work or OUTPUT / "ingest-profile"
    db = fresh_file(work / "profile.duckdb")
    if warehouse is not None:
        shutil.copyfile(warehouse, db)
    rss0 = current_rss_kib()
    steps: dict[str, tuple[float, float]] = {}
    t, c = time.perf_counter(), time.process_time()
    file_sha256(path)
    steps["file_sha256"] = (time.perf_counter() - t, time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    frame = READERS[path.suffix.lower()](path)
    steps["reader (decode + parse to Polars)"] = (time.perf_counter() - t, time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    canonical_frame(frame, source)
    steps["canonical_frame (header mapping)"] = (time.perf_counter() - t, time.process_time() - c)
    rows = frame.height
    del frame

    con = open_warehouse(db)
    agencies = path.parent.parent / "agencies"
    if warehouse is None and source_name != "agencies" and agencies.is_dir():  # codes to check against
        for reference in sorted(agencies.iterdir()):
            ingest_file(con, reference, SOURCES["agencies"])
    staged_before = con.execute(f"SELECT count(*) FROM staging.{source_name}").fetchone()[0]  # type: ignore[index]
    con.execute("DELETE FROM audit.batches WHERE file_name = ?", [path.name])
    timed = TimedConnection(con)
    t, c = time.perf_counter(), time.process_time()
    result = ingest_file(timed, path, source)  # type: ignore[arg-type]
    total, total_cpu = time.perf_counter() - t, time.process_time() - c
    con.close()
    return {
        "rows": rows,
        "status": result.status,
        "staged_before": staged_before,
        "total_s": total,
        "total_cpu_s": total_cpu,
        "steps": steps,
        "statements": timed.timings,
        "rss_before_kib": rss0,
        "peak_rss_kib": peak_rss_kib(),
    }


def main(path: Path, source: str, warehouse: Path | None = None) -> dict[str, Any]:
    heading(f"ingest-profile: {path.name} as {source}")
    figures = profile(path, source, warehouse)
    print(
        f"   {figures['rows']:,} rows, {figures['staged_before']:,} rows already in staging.{source}; "
        f"ingest_file {figures['total_s']:.2f} s wall, {figures['total_cpu_s']:.2f} s CPU ({figures['status']}); "
        f"peak RSS {mb(figures['peak_rss_kib'])} MB"
    )
    lines = [[f"(alone) {name}", secs(s), secs(c)] for name, (s, c) in figures["steps"].items()]
    sql_total = sum(s for _, s, _ in figures["statements"])
    sql_cpu = sum(c for _, _, c in figures["statements"])
    lines += [[_label(sql), secs(s), secs(c)] for sql, s, c in sorted(figures["statements"], key=lambda x: -x[2])[:8]]
    lines.append(
        [
            "ingest_file minus its SQL (sha256, reader, mapping, register, Python)",
            secs(figures["total_s"] - sql_total),
            secs(figures["total_cpu_s"] - sql_cpu),
        ]
    )
    table(lines, ["step / statement inside ingest_file", "wall s", "CPU s"])
    return figures
