"""``transforms-medium``: ``transforms.build.build_marts`` alone on the medium demo (~1M cases).

The medium inbox is generated once and loaded once (``ingest_file`` for every file, no validation) into a cached
warehouse, ``bench/output/transforms-medium/medium.duckdb``; the load's own figures are printed when it happens.
Then ``build_marts`` runs in a fresh subprocess (wall, peak RSS; target ≤ 10 s and ≤ 3 GB), and once more with
its steps timed one by one (read staging into Polars, case_facts, kpi_daily, write the marts).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bench.common import OUTPUT, demo_inbox, fresh_file, heading, mb, record, run_worker, secs, table

TARGET_S = 10.0
TARGET_KIB = 3 * 1024 * 1024


def _inbox_digest(manifest: dict[str, Any]) -> str:
    return hashlib.sha256("".join(sorted(f["sha256"] for f in manifest["files"])).encode()).hexdigest()[:16]


def cached_warehouse(fresh: bool = False) -> tuple[Any, dict[str, Any]]:
    """The medium warehouse (staging loaded), built once; returns (path, load figures or {} when cached)."""
    inbox, manifest, generated = demo_inbox("medium", fresh=fresh)
    rows_total = sum(manifest["rows"].values())
    print(
        f"   inbox {inbox} ({len(manifest['files'])} files, {rows_total:,} rows)"
        + (f", generated in {generated:.1f} s" if generated is not None else ", cached")
    )
    work = OUTPUT / "transforms-medium"
    db = work / "medium.duckdb"
    marker = work / "medium.loaded.json"
    digest = _inbox_digest(manifest)
    if not fresh and db.exists() and marker.exists() and json.loads(marker.read_text()).get("inbox") == digest:
        print(f"   warehouse {db} (cached)")
        return db, {}
    marker.unlink(missing_ok=True)
    print("   loading the medium inbox into a fresh warehouse (ingest_file per file, no validation) …", flush=True)
    run = run_worker("ingest", db=fresh_file(db), inbox=inbox)
    sources = run.result["sources"]
    table(
        [
            [name, s["files"], f"{s['rows_in']:,}", secs(s["wall_s"]), f"{s['rows_in'] / s['wall_s']:,.0f}"]
            for name, s in sources.items()
        ]
        + [["all (process)", "", f"{rows_total:,}", secs(run.wall_s), mb(run.max_rss_kib) + " MB peak RSS"]],
        ["ingest (medium)", "files", "rows in", "wall s", "rows/s"],
    )
    load = {"wall_s": run.wall_s, "max_rss_kib": run.max_rss_kib, "sources": sources}
    marker.write_text(json.dumps({"inbox": digest, "load": load}))
    return db, load


def main(fresh: bool = False, breakdown: bool = True) -> dict[str, Any]:
    heading("transforms-medium: build_marts alone on the medium demo")
    db, load = cached_warehouse(fresh)
    whole = run_worker("marts", db=db)
    rows = whole.result["rows"]
    print(
        f"   marts: {rows['marts.case_facts']:,} case_facts rows, {rows['marts.kpi_daily']:,} kpi_daily rows"
        f" (targets: ≤ {TARGET_S:.0f} s, ≤ {TARGET_KIB / 1024 / 1024:.0f} GB)"
    )
    lines = [
        [
            "build_marts (one subprocess)",
            secs(whole.result["wall_s"]),
            secs(whole.result["cpu_s"]),
            secs(whole.wall_s),
            mb(whole.result["rss_before_kib"]),
            mb(whole.max_rss_kib),
        ]
    ]
    figures: dict[str, Any] = {
        "build_marts_s": whole.result["wall_s"],
        "build_marts_cpu_s": whole.result["cpu_s"],
        "process_wall_s": whole.wall_s,
        "peak_rss_kib": whole.max_rss_kib,
        "rows": rows,
        "met_time_target": whole.result["wall_s"] <= TARGET_S,
        "met_memory_target": whole.max_rss_kib <= TARGET_KIB,
    }
    if load:
        figures["load"] = load
    if breakdown:
        steps = run_worker("marts", db=db, breakdown=True)
        for name, seconds in steps.result["steps"].items():
            lines.append([f"  step: {name}", secs(seconds), "", "", "", ""])
        lines.append(
            [
                "  (steps run in a second subprocess)",
                secs(steps.result["wall_s"]),
                secs(steps.result["cpu_s"]),
                secs(steps.wall_s),
                "",
                mb(steps.max_rss_kib),
            ]
        )
        figures["steps"] = steps.result["steps"]
    table(lines, ["transforms-medium", "wall s", "CPU s", "process wall s", "RSS before MB", "peak RSS MB"])
    verdict = "within" if figures["met_time_target"] and figures["met_memory_target"] else "OUTSIDE"
    print(f"   {verdict} the targets (reported, not asserted)")
    record("transforms-medium", figures)
    return figures
