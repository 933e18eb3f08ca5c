"""``pages``: every leadership page rendered server-side by Streamlit's AppTest from the marts of the medium demo.

The medium warehouse is the one ``transforms-medium`` caches (``bench/output/transforms-medium/medium.duckdb``).
A worker brings its marts up to date when they are missing, empty or from an older schema (``build_marts``) and
publishes a serving copy with ``concord.serving.publish`` into ``bench/output/pages/`` (plus one completed run in
its ``audit.runs``, so that "data as of" shows). A second worker points ``CONCORD_SERVING`` at the copy and, for
each page, in the default language (vi) with the default filters (every day, nothing else selected):

- **cold**: every ``st.cache_data`` cache cleared, then the page's first render: the entry point (language toggle,
  navigation) and the page, with every query it makes run against the serving copy (the first visit after a
  publish, whose new snapshot misses every cache);
- **warm**: the same page rendered again: every query answered from the cache, so what is left is Python
  (charts, tables, CSV/XLSX exports, Streamlit's serialisation).

A render is ``AppTest.run()``: the whole script, without a browser or websocket. Each query's time is that of
``dashboards.data.read_serving`` (attach the copy read-only, query, close); the render's other costs are split
into building charts and tables (``dashboards.charts``), exports (``dashboards.export``) and handing tables and
charts to Streamlit (``st.dataframe``, ``st.altair_chart``: Arrow and Vega-Lite serialisation).
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import (
    OUTPUT,
    REPO_ROOT,
    current_rss_kib,
    demo_inbox,
    fresh_file,
    heading,
    load_average,
    mb,
    peak_rss_kib,
    record,
    run_worker,
    secs,
    table,
)

APP = REPO_ROOT / "dashboards" / "app.py"
TARGET_S = 1.0
TIMEOUT_S = 300.0


def leadership_pages(app: Path = APP) -> list[str]:
    """The pages ``dashboards/app.py`` routes to (``LEADERSHIP_PAGES``), in its order, e.g. ``leadership/trends.py``.

    Read from the source (running the script needs Streamlit's runtime), so a page added there is benchmarked too.
    """
    for node in ast.parse(app.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "LEADERSHIP_PAGES" for t in node.targets
        ):
            return [path for path, *_ in ast.literal_eval(node.value)]
    raise LookupError(f"no LEADERSHIP_PAGES in {app}")


def page_name(path: str) -> str:
    return Path(path).stem


# --- probes: time spent in given functions during a render -------------------------------------------------


class Probes:
    """Wraps functions (module attributes) to add up the time spent in them, by group; nested calls count once."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.queries: list[tuple[str, float]] = []  # (query function, seconds), in call order
        self._depth: dict[str, int] = {}

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.queries.clear()

    def _wrap(self, group: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            depth = self._depth.get(group, 0)
            self._depth[group] = depth + 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth[group] = depth
                if depth == 0:
                    elapsed = time.perf_counter() - t0
                    self.seconds[group] = self.seconds.get(group, 0.0) + elapsed
                    self.calls[group] = self.calls.get(group, 0) + 1
                    if group == "queries" and len(args) > 1:
                        self.queries.append((getattr(args[1], "__name__", str(args[1])), elapsed))

        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed

    @contextmanager
    def installed(self) -> Iterator[Probes]:
        """Wrap the dashboard's query runner, chart and table builders, exports and Streamlit's output calls."""
        import streamlit as st

        from dashboards import charts, data, export

        targets: list[tuple[object, str, str]] = [(data, "read_serving", "queries")]
        targets += [
            (charts, name, "charts and tables (dashboards.charts)")
            for name, value in vars(charts).items()
            if callable(value) and getattr(value, "__module__", None) == charts.__name__ and not name.startswith("_")
        ]
        targets += [(export, name, "exports (CSV, XLSX)") for name in ("to_csv_bytes", "to_xlsx_bytes")]
        targets += [(st, "dataframe", "st.dataframe"), (st, "altair_chart", "st.altair_chart")]
        originals = [(owner, name, getattr(owner, name)) for owner, name, _ in targets]
        try:
            for owner, name, group in targets:
                setattr(owner, name, self._wrap(group, getattr(owner, name)))
            yield self
        finally:
            for owner, name, original in originals:
                setattr(owner, name, original)


# --- the renders (in the worker process) -------------------------------------------------------------------


def _problems(at: Any) -> list[str]:
    """Exceptions and error boxes on the rendered page (a failed query shows as ``st.error``, then the page stops)."""
    found = [f"exception: {e.message}" for e in at.exception]
    found += [f"error: {e.value}" for e in at.error]
    return [p.splitlines()[0][:300] if p else p for p in found]


def _timed_run(at: Any, probes: Probes) -> dict[str, Any]:
    probes.reset()
    cpu0, t0 = time.process_time(), time.perf_counter()
    problems: list[str] = []
    try:
        at.run()
    except Exception as error:  # a timeout (RuntimeError) or AppTest's own failure: reported, not raised
        problems.append(f"{type(error).__name__}: {error}")
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    problems += _problems(at)
    return {
        "wall_s": wall,
        "cpu_s": cpu,  # every thread of this process: the script thread and DuckDB's
        "parts_s": dict(probes.seconds),
        "queries": list(probes.queries),
        "problems": problems,
    }


def render_pages(
    serving: Path, pages: list[str] | None = None, app: Path = APP, timeout: float = TIMEOUT_S
) -> dict[str, Any]:
    """Render each page cold (caches cleared) then warm with AppTest against ``serving``; figures per page."""
    previous = os.environ.get("CONCORD_SERVING")
    os.environ["CONCORD_SERVING"] = str(serving)
    rss0 = current_rss_kib()
    t_import = time.perf_counter()
    import streamlit as st
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    log_level = streamlit.logger._global_log_level
    streamlit.logger.set_log_level("error")  # not "No runtime found" for every cache cleared outside a script run
    pages = pages or leadership_pages(app)
    probes = Probes()
    figures: dict[str, Any] = {"pages": {}}
    try:
        with probes.installed():
            # The first run of a process imports the dashboard (Streamlit, Altair, Polars, …): timed on its own.
            first = AppTest.from_file(str(app), default_timeout=timeout)
            figures["first_run"] = _timed_run(first, probes)
            figures["first_run"]["with_imports_s"] = time.perf_counter() - t_import
            for path in pages:
                st.cache_data.clear()
                at = AppTest.from_file(str(app), default_timeout=timeout)
                at.run()  # the default page first: switch_page needs the navigation registered
                st.cache_data.clear()
                at.switch_page(path)
                cold = _timed_run(at, probes)
                warm = _timed_run(at, probes)
                figures["pages"][page_name(path)] = {
                    "path": path,
                    "cold": cold,
                    "warm": warm,
                    "titles": [t.value for t in at.title],
                }
    finally:
        st.cache_data.clear()
        streamlit.logger.set_log_level(log_level)
        if previous is None:
            os.environ.pop("CONCORD_SERVING", None)
        else:
            os.environ["CONCORD_SERVING"] = previous
    figures["rss_before_kib"] = rss0
    figures["peak_rss_kib"] = peak_rss_kib()
    return figures


# --- the benchmark -----------------------------------------------------------------------------------------


def prepare_warehouse(scale: str, fresh: bool, inbox: Path | None, work: Path, in_process: bool) -> Path:
    """A warehouse with staging loaded: the cached medium one, or ``inbox`` (a demo of ``scale``) loaded afresh."""
    if scale == "medium" and inbox is None:
        from bench.transforms_medium import cached_warehouse

        db, _ = cached_warehouse(fresh)
        return Path(db)
    if inbox is None:
        inbox, _, _ = demo_inbox(scale, fresh=fresh)
    db = fresh_file(work / f"{scale}.duckdb")
    print(f"   loading {inbox} into {db} (ingest_file per file, no validation) …", flush=True)
    _stage("ingest", in_process, db=db, inbox=inbox)
    return db


def _stage(name: str, in_process: bool, **kwargs: Any) -> dict[str, Any]:
    """One stage of :mod:`bench.stages`, in this process or in a fresh one (whose peak RSS is then its own)."""
    if in_process:
        from bench.stages import STAGES

        return STAGES[name](**kwargs)
    run = run_worker(name, **kwargs)
    return {**run.result, "process_wall_s": run.wall_s, "process_peak_rss_kib": run.max_rss_kib}


def _met(cold: float, warm: float) -> str:
    if cold <= TARGET_S:
        return "yes"
    return "warm only" if warm <= TARGET_S else "no"


def _parts(run: dict[str, Any]) -> str:
    parts = dict(run["parts_s"])
    parts.pop("queries", None)
    named = sorted(parts.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in named if seconds >= 0.01) or "-"


def main(
    fresh: bool = False,
    rebuild_marts: bool = False,
    scale: str = "medium",
    inbox: Path | None = None,
    work: Path | None = None,
    in_process: bool = False,
) -> dict[str, Any]:
    """Publish a serving copy of ``scale``'s marts and time every leadership page's render, cold and warm."""
    heading(f"pages: each leadership page rendered (Streamlit AppTest) from the marts of the {scale} demo")
    work = work or OUTPUT / "pages"
    db = prepare_warehouse(scale, fresh, inbox, work, in_process)
    serving = fresh_file(work / f"{scale}.serving.duckdb")
    prepared = _stage("serving", in_process, db=db, target=serving, rebuild=rebuild_marts)
    rows = prepared["rows"]
    built = prepared["steps"].get("build_marts")
    print(
        f"   serving copy {serving}: {rows['marts.case_facts']:,} case_facts, {rows['marts.handoffs']:,} handoffs,"
        f" {rows['marts.platform_requests']:,} platform requests, {rows['marts.backlog_daily']:,} backlog rows,"
        f" {prepared['bytes'] / 1e6:,.0f} MB"
    )
    print(
        "   marts "
        + (
            f"rebuilt in {built:.2f} s"
            + (
                f" (older schema dropped: {', '.join(prepared['dropped_stale_marts'])})"
                if prepared["dropped_stale_marts"]
                else ""
            )
            + (f" (empty: {', '.join(prepared['empty_marts'])})" if prepared["empty_marts"] else "")
            if built is not None
            else "up to date (reused)"
        )
        + f"; published in {prepared['steps']['publish']:.2f} s"
    )
    print(f"   rendering {len(leadership_pages())} pages, each cold (caches cleared) then warm …", flush=True)
    pages = leadership_pages()
    renders = _stage("pages", in_process, serving=serving, pages=pages)
    first = renders["first_run"]
    print(
        "   first run of the process (imports the dashboard, renders the default page cold):"
        f" {first['with_imports_s']:.2f} s; peak RSS {mb(renders.get('process_peak_rss_kib', renders['peak_rss_kib']))} MB"
    )
    lines: list[list[Any]] = []
    query_lines: list[str] = []
    failures: list[tuple[str, list[str]]] = []
    for name, page in renders["pages"].items():
        cold, warm = page["cold"], page["warm"]
        queries_s = sum(seconds for _, seconds in cold["queries"])
        lines.append(
            [
                name,
                secs(cold["wall_s"]),
                secs(warm["wall_s"]),
                f"≤ {TARGET_S:.0f} s",
                _met(cold["wall_s"], warm["wall_s"]),
                secs(cold["cpu_s"]),
                secs(queries_s),
                len(cold["queries"]),
            ]
        )
        slowest = sorted(cold["queries"], key=lambda q: -q[1])
        query_lines.append(
            f"   {name}: cold queries {', '.join(f'{q} {s:.2f}' for q, s in slowest)}"
            f"; warm {_parts(warm)}; cold {_parts(cold)}"
        )
        if problems := cold["problems"] + warm["problems"]:
            failures.append((name, problems))
    table(
        lines,
        ["page", "cold s", "warm s", "target", "met?", "cold CPU s", "cold queries s", "queries"],
    )
    print("\n   Where the time goes (s): each query's read_serving (attach, query, close), slowest first; then the")
    print("   render's Python outside the queries (charts and tables, exports, Streamlit's serialisation):")
    for line in query_lines:
        print(line)
    for name, problems in failures:
        print(f"   !! {name} raised or showed an error: {'; '.join(problems)}")
    if not failures:
        print("   every page rendered without an exception or error box")
    met = sum(_met(p["cold"]["wall_s"], p["warm"]["wall_s"]) == "yes" for p in renders["pages"].values())
    print(
        f"   {met} of {len(lines)} pages within {TARGET_S:.0f} s cold (reported, not asserted); {load_average()} at the end"
    )
    figures: dict[str, Any] = {
        "scale": scale,
        "target_s": TARGET_S,
        "serving": {
            "rows": rows,
            "bytes": prepared["bytes"],
            "build_marts_s": built,
            "publish_s": prepared["steps"]["publish"],
        },
        "first_run_s": first["with_imports_s"],
        "peak_rss_kib": renders.get("process_peak_rss_kib", renders["peak_rss_kib"]),
        "pages": {
            name: {
                "cold_s": p["cold"]["wall_s"],
                "warm_s": p["warm"]["wall_s"],
                "cold_cpu_s": p["cold"]["cpu_s"],
                "warm_cpu_s": p["warm"]["cpu_s"],
                "cold_queries": p["cold"]["queries"],
                "cold_parts_s": p["cold"]["parts_s"],
                "warm_parts_s": p["warm"]["parts_s"],
                "met": p["cold"]["wall_s"] <= TARGET_S,
                "problems": p["cold"]["problems"] + p["warm"]["problems"],
            }
            for name, p in renders["pages"].items()
        },
        "failed_pages": [name for name, _ in failures],
    }
    record(f"pages-{scale}", figures)
    return figures
