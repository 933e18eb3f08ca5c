"""``python -m bench``: Concord's benchmarks (``make bench`` runs the quick set).

Every figure is printed with the load average; results are also appended to ``bench/output/results.jsonl``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Concord benchmarks: wall time and peak RSS per stage, printed with the load average (never asserted).",
    add_completion=False,
    invoke_without_command=True,
)

Fresh = Annotated[bool, typer.Option(help="Regenerate the cached inputs under bench/output/ first.")]


@app.callback()
def quick(ctx: typer.Context, fresh: Fresh = False) -> None:
    """Without a command: the quick set, pipeline-small, transforms-medium then pages (< ~5 min once inputs are cached)."""
    if ctx.invoked_subcommand is not None:
        return
    started = time.perf_counter()
    pipeline_small(fresh=fresh)
    transforms_medium(fresh=fresh)
    pages(fresh=False)  # transforms-medium has just regenerated the inputs if asked to
    typer.echo(f"\nQuick set done in {time.perf_counter() - started:.0f} s ({_load()}).")


@app.command("pipeline-small")
def pipeline_small(
    fresh: Fresh = False,
    stages: Annotated[bool, typer.Option(help="Also time each stage in a process of its own.")] = True,
) -> None:
    """`concord run` on the small demo (~50k cases): wall, peak RSS, start-up and time per stage."""
    from bench import pipeline_small as bench

    bench.main(fresh=fresh, stages=stages)


@app.command("stages")
def stages(
    scale: Annotated[str, typer.Option(help="Demo inbox: tiny, small or medium.")] = "small",
    in_process: Annotated[bool, typer.Option(help="Run all stages in this process (peak RSS is cumulative).")] = False,
    validate: Annotated[bool, typer.Option(help="Include validation (GX).")] = True,
) -> None:
    """The pipeline's stages called directly (no Prefect): ingest per source, validation, marts, publish."""
    from bench import pipeline_small as bench

    if scale not in ("tiny", "small", "medium"):
        raise typer.BadParameter("scale must be tiny, small or medium", param_hint="--scale")
    bench.stages_main(scale=scale, in_process=in_process, validate=validate)


@app.command("transforms-medium")
def transforms_medium(
    fresh: Fresh = False,
    breakdown: Annotated[bool, typer.Option(help="Also time the steps of build_marts one by one.")] = True,
) -> None:
    """build_marts alone on the medium demo (~1M cases), in a subprocess: wall and peak RSS (target ≤ 10 s, ≤ 3 GB)."""
    from bench import transforms_medium as bench

    bench.main(fresh=fresh, breakdown=breakdown)


@app.command("pages")
def pages(
    fresh: Fresh = False,
    rebuild_marts: Annotated[
        bool, typer.Option(help="Rebuild the marts even when the cached warehouse's are up to date.")
    ] = False,
    scale: Annotated[
        str, typer.Option(help="Demo: medium (the cached warehouse of transforms-medium), small or tiny.")
    ] = "medium",
) -> None:
    """Each leadership page rendered by Streamlit's AppTest from the marts, cold and warm (target ≤ 1 s)."""
    from bench import pages as bench

    if scale not in ("tiny", "small", "medium"):
        raise typer.BadParameter("scale must be tiny, small or medium", param_hint="--scale")
    bench.main(fresh=fresh, rebuild_marts=rebuild_marts, scale=scale)


@app.command("lifecycle-10m")
def lifecycle_10m(
    fresh: Fresh = False,
    rows: Annotated[
        int, typer.Option(help="Lifecycle rows in all (half cases, a quarter referrals, a quarter actions).")
    ] = 10_000_000,
    file_rows: Annotated[int, typer.Option(help="Rows per file.")] = 500_000,
    validate: Annotated[bool, typer.Option(help="Also time validation (GX) on the loaded warehouse.")] = True,
    marts: Annotated[bool, typer.Option(help="Also time build_marts on the loaded warehouse.")] = True,
    duckdb_memory_limit: Annotated[
        str | None,
        typer.Option(
            help="Experiment: SET memory_limit (e.g. 4GB) for our ingest and marts instead of the pipeline's setting."
        ),
    ] = None,
    only_marts: Annotated[
        bool, typer.Option(help="Only build_marts, on the warehouse a previous full run cached (no ingest).")
    ] = False,
    marts_breakdown: Annotated[bool, typer.Option(help="Also time build_marts' steps in a second subprocess.")] = True,
) -> None:
    """Opt-in: 10M lifecycle rows; DuckDB merely loading the files (the floor) against our ingest, and the ratio."""
    from bench import lifecycle as bench

    bench.main(
        fresh=fresh,
        total_rows=rows,
        file_rows=file_rows,
        validate=validate,
        marts=marts,
        memory_limit=duckdb_memory_limit,
        only_marts=only_marts,
        marts_breakdown=marts_breakdown,
    )


@app.command("ingest-profile")
def ingest_profile(
    path: Annotated[Path, typer.Argument(help="One inbox file.")],
    source: Annotated[str, typer.Option(help="Its source (agencies, cases, referrals, platform_actions, …).")],
    warehouse: Annotated[
        Path | None, typer.Option(help="Load into a copy of this warehouse (to see how staging size matters).")
    ] = None,
) -> None:
    """Time each SQL statement of ingest_file for one file (and the reader on its own)."""
    from bench import profile_ingest as bench

    bench.main(path, source, warehouse)


@app.command("results")
def results(last: Annotated[int, typer.Option(help="How many recorded results to show.")] = 20) -> None:
    """The last recorded results (bench/output/results.jsonl), one line each."""
    from bench.common import RESULTS_FILE

    if not RESULTS_FILE.exists():
        typer.echo("No results yet.")
        return
    for line in RESULTS_FILE.read_text().splitlines()[-last:]:
        typer.echo(line)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


if __name__ == "__main__":
    app()
