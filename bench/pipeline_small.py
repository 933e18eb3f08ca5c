"""``pipeline-small``: the real ``concord run`` on the small demo inbox, then each stage on its own.

1. ``concord run`` in a subprocess under ``/usr/bin/time -v``, twice, each into a fresh warehouse file: first with
   a fresh ``PREFECT_HOME`` (the temporary Prefect server's first start creates its database), then reusing it.
   Wall time and peak RSS come from ``time -v`` (ru_maxrss: the largest single process) and from sampling the
   process tree (the CLI plus the temporary server it starts). The phases come from the timestamps of the
   flow's log lines: start-up (imports, server start), ingest per source, validation, marts, publish, teardown.
2. The stages called directly (:mod:`bench.stages`), each in a process of its own so that its peak RSS is its
   own: ingest per source, validation (with Data Docs), marts, publish.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    AS_OF,
    HMAC_KEY,
    OUTPUT,
    Timed,
    demo_inbox,
    fresh_file,
    heading,
    mb,
    record,
    run_timed,
    run_worker,
    secs,
    table,
)

SOURCES_ORDER = ("agencies", "cases", "referrals", "platform_actions", "public_responses")
_LOG_LINE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) \| \w+\s*\| (.*)$")
_FILE_LINE = re.compile(r" - ([a-z_]+)/\S.*?: (?:[\d,]+ rows in|rejected|skipped)")


def cli_run(inbox: Path, db: Path, prefect_home: Path, concord_home: Path) -> Timed:
    """``concord run`` on ``inbox`` into a fresh ``db``, in a subprocess, timed."""
    env = {
        "CONCORD_HMAC_KEY": HMAC_KEY,
        "CONCORD_HOME": str(concord_home),
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    prefect_home.mkdir(parents=True, exist_ok=True)
    concord = Path(sys.executable).with_name("concord")
    cmd = [str(concord)] if concord.exists() else [sys.executable, "-m", "concord.cli"]
    cmd += ["run", "--inbox", str(inbox), "--db", str(fresh_file(db)), "--as-of", AS_OF]
    return run_timed(cmd, env=env).check("concord run")


def log_phases(run: Timed) -> dict[str, float]:
    """Seconds per phase of a ``concord run``, from the timestamps of its log lines (HH:MM:SS.mmm, local time)."""
    events: list[tuple[datetime, str]] = []
    day = run.started.replace(hour=0, minute=0, second=0, microsecond=0)
    for line in run.output.splitlines():
        if found := _LOG_LINE.match(line):
            h, m, s, ms, message = found.groups()
            at = day + timedelta(hours=int(h), minutes=int(m), seconds=int(s), milliseconds=int(ms))
            if at < run.started - timedelta(minutes=1):  # the run crossed midnight
                at += timedelta(days=1)
            events.append((at, message))
    end = run.started + timedelta(seconds=run.wall_s)

    def first(text: str) -> datetime | None:
        return next((at for at, message in events if text in message), None)

    phases: dict[str, float] = {}
    server = first("Starting temporary server")
    begin = first("Beginning flow run")
    if server:
        phases["start-up: imports until the server starts"] = (server - run.started).total_seconds()
    if server and begin:
        phases["start-up: temporary Prefect server"] = (begin - server).total_seconds()
    elif begin:
        phases["start-up: imports, connect to the server"] = (begin - run.started).total_seconds()
    previous = first(": inbox ") or begin
    for source in SOURCES_ORDER:
        last = None
        for at, message in events:
            found = _FILE_LINE.search(message)
            if found and found.group(1) == source:
                last = at
        if last and previous:
            phases[f"ingest {source}"] = (last - previous).total_seconds()
            previous = last
    # The flow's order: ingest (with the volume checks) → marts → validation → evidence and publish.
    for name, text in (("marts", "marts: "), ("validation (GX, Data Docs)", "validation: "), ("publish", " done: ")):
        found_at = first(text)
        if found_at and previous:
            phases[name] = (found_at - previous).total_seconds()
            previous = found_at
    finished = first("Finished in state")
    if finished and previous:
        phases["flow end (Prefect)"] = (finished - previous).total_seconds()
        previous = finished
    if previous:
        phases["teardown (server stop, exit)"] = (end - previous).total_seconds()
    return phases


def stage_figures(inbox: Path, db: Path, validate: bool = True, in_process: bool = False) -> list[dict[str, Any]]:
    """Each stage on a fresh warehouse: one subprocess per stage, or all in this process (``in_process``)."""
    fresh_file(db)
    docs = db.parent / "data_docs"
    plan: list[tuple[str, str, dict[str, Any]]] = [
        (f"ingest {source}", "ingest", {"db": db, "inbox": inbox, "sources": [source]})
        for source in SOURCES_ORDER
        if (inbox / source).is_dir()
    ]
    plan.append(("marts", "marts", {"db": db}))  # before validation, as in the flow: the mart suites judge them
    if validate:
        plan.append(("validation (GX, Data Docs)", "validate", {"db": db, "docs_dir": docs}))
    plan.append(("publish", "publish", {"db": db}))
    rows = []
    for label, stage, kwargs in plan:
        if in_process:
            from bench.stages import STAGES

            t0 = time.perf_counter()
            figures = STAGES[stage](**kwargs)
            rows.append({"stage": label, "process_wall_s": time.perf_counter() - t0, **figures})
        else:
            run = run_worker(stage, **kwargs)
            rows.append(
                {
                    "stage": label,
                    "process_wall_s": run.wall_s,
                    **run.result,
                    "peak_rss_kib": run.max_rss_kib,
                }
            )
    return rows


def print_stages(rows: list[dict[str, Any]], in_process: bool = False) -> None:
    peak = "peak RSS MB (process so far)" if in_process else "peak RSS MB"
    out = []
    for row in rows:
        rows_in = sum(s["rows_in"] for s in row.get("sources", {}).values()) if "sources" in row else None
        out.append(
            [
                row["stage"],
                secs(row["wall_s"]),
                secs(row["cpu_s"]),
                secs(row["process_wall_s"]),
                "-" if rows_in is None else f"{rows_in:,}",
                mb(row.get("rss_before_kib")),
                mb(row["peak_rss_kib"]),
            ]
        )
    total = sum(r["wall_s"] for r in rows)
    out.append(
        [
            "total (stage walls)",
            secs(total),
            secs(sum(r["cpu_s"] for r in rows)),
            secs(sum(r["process_wall_s"] for r in rows)),
            "",
            "",
            "",
        ]
    )
    table(out, ["stage", "stage wall s", "stage CPU s", "process wall s", "rows in", "RSS before MB", peak])
    if validate := next((r for r in rows if "import_s" in r), None):
        print(f"   (validation includes {validate['import_s']:.2f} s importing Great Expectations)")


def main(fresh: bool = False, stages: bool = True) -> dict[str, Any]:
    heading("pipeline-small: `concord run` on the small demo inbox")
    inbox, manifest, generated = demo_inbox("small", fresh=fresh)
    rows_total = sum(manifest["rows"].values())
    print(
        f"   inbox {inbox} ({len(manifest['files'])} files, {rows_total:,} rows)"
        + (f", generated in {generated:.1f} s" if generated is not None else ", cached")
    )
    work = OUTPUT / "pipeline-small"
    prefect_home = work / "prefect-home"
    shutil.rmtree(prefect_home, ignore_errors=True)
    figures: dict[str, Any] = {"rows_in": rows_total, "files": len(manifest["files"])}
    runs = []
    for label, key in (("fresh PREFECT_HOME (first server start)", "cold"), ("reused PREFECT_HOME", "warm")):
        run = cli_run(inbox, work / "warehouse.duckdb", prefect_home, work / "home")
        runs.append((label, key, run, log_phases(run)))
        figures[f"cli_{key}"] = {
            "wall_s": run.wall_s,
            "cpu_s": run.cpu_s,
            "max_rss_kib": run.max_rss_kib,
            "tree_rss_kib": run.tree_rss_kib,
            "phases": runs[-1][3],
        }
    table(
        [
            [label, secs(run.wall_s), secs(run.cpu_s), mb(run.max_rss_kib), mb(run.tree_rss_kib)]
            for label, _, run, _ in runs
        ],
        ["concord run", "wall s", "CPU s", "peak RSS MB (largest process)", "peak RSS MB (process tree)"],
    )
    names = list(dict.fromkeys(name for *_, phases in runs for name in phases))
    print()
    table(
        [[name, *(secs(phases.get(name)) for *_, phases in runs)] for name in names],
        ["phase (from the flow's log timestamps)", "fresh home s", "reused home s"],
    )
    if stages:
        print("\n   The stages called directly, each in a process of its own (fresh warehouse):")
        rows = stage_figures(inbox, work / "stages.duckdb")
        print_stages(rows)
        figures["stages"] = {
            r["stage"]: {
                "wall_s": r["wall_s"],
                "process_wall_s": r["process_wall_s"],
                "peak_rss_kib": r["peak_rss_kib"],
            }
            for r in rows
        }
    record("pipeline-small", figures)
    return figures


def stages_main(
    scale: str = "small",
    in_process: bool = False,
    validate: bool = True,
    inbox: Path | None = None,
    work: Path | None = None,
) -> list[dict[str, Any]]:
    """Only the stages (no Prefect, no CLI) on a demo inbox: the smallest benchmark path."""
    heading(f"stages: the pipeline's stages called directly on the {scale} demo inbox")
    if inbox is None:
        inbox, manifest, _ = demo_inbox(scale)
    else:
        manifest = json.loads((inbox / "manifest.json").read_text())
    print(f"   inbox {inbox} ({len(manifest['files'])} files, {sum(manifest['rows'].values()):,} rows)")
    work = work or OUTPUT / f"stages-{scale}"
    mode = "all in this process" if in_process else "each in a process of its own"
    print(f"   {mode}, fresh warehouse {work / 'stages.duckdb'}")
    rows = stage_figures(inbox, work / "stages.duckdb", validate=validate, in_process=in_process)
    print_stages(rows, in_process=in_process)
    return rows
