"""What every benchmark shares: the output folder, timed subprocesses, peak memory, the load average, tables.

Speed and memory are *reported*, never asserted: the machine has 2 cores and other jobs may run, so every figure
is printed with the load average at the time it was taken.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUTPUT = Path(os.environ.get("CONCORD_BENCH_OUTPUT", BENCH_DIR / "output"))
RESULTS_FILE = OUTPUT / "results.jsonl"

HMAC_KEY = "bench"
DEMO_SEED = 7
DEMO_END = date(2026, 10, 31)
AS_OF = "2026-11-01T00:00:00+07:00"  # local midnight after the demo's last day
TIME_BIN = Path("/usr/bin/time")
RESULT_MARK = "BENCH-RESULT "


def load_average() -> str:
    """The 1, 5 and 15 minute load averages and the core count, e.g. ``load 1.52 1.80 1.77 / 2 cores``."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} / {os.cpu_count()} cores"


def code_version() -> str:
    """The checkout's commit (``+dirty`` when flows/, transforms/, … have uncommitted changes): figures age with code."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "concord", "flows", "transforms", "expectations"],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("+dirty" if dirty else "")


def mb(kib: float | None) -> str:
    return "-" if kib is None else f"{kib / 1024:,.0f}"


def secs(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def current_rss_kib() -> int:
    """This process's resident set size now (KiB)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def peak_rss_kib() -> int:
    """This process's peak resident set size so far (KiB; Linux reports ru_maxrss in KiB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# --- printing -------------------------------------------------------------------------------------------


def heading(title: str) -> None:
    print(f"\n== {title} ==", flush=True)
    print(f"   {load_average()}   {datetime.now():%Y-%m-%d %H:%M:%S}   code {code_version()}", flush=True)


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    """A plain fixed-width table: first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        line = "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
        print("   " + line.rstrip(), flush=True)
        if n == 0:
            print("   " + "  ".join("-" * w for w in widths), flush=True)


def record(benchmark: str, figures: dict[str, Any]) -> None:
    """Append one result (with the load average and the time) to ``bench/output/results.jsonl``."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    entry = {
        "benchmark": benchmark,
        "at": datetime.now().isoformat(timespec="seconds"),
        "load": os.getloadavg(),
        "code": code_version(),
    }
    with RESULTS_FILE.open("a") as fh:
        fh.write(json.dumps(entry | figures, default=str) + "\n")


# --- subprocesses ---------------------------------------------------------------------------------------


class TreeRss:
    """Samples the summed RSS of a process and all its descendants (a Prefect run starts a server process)."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
        while not self._stop.is_set():
            parents: dict[int, int] = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open(f"/proc/{entry}/stat") as fh:
                            stat = fh.read()
                        parents[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
                    except (OSError, ValueError):
                        continue
            tree, frontier = {self.pid}, [self.pid]
            while frontier:
                parent = frontier.pop()
                children = [p for p, pp in parents.items() if pp == parent and p not in tree]
                tree.update(children)
                frontier += children
            total = 0
            for pid in tree:
                try:
                    with open(f"/proc/{pid}/statm") as fh:
                        total += int(fh.read().split()[1]) * page_kib
                except (OSError, ValueError):
                    continue
            self.peak_kib = max(self.peak_kib, total)
            self._stop.wait(self.interval)


@dataclass
class Timed:
    """A finished subprocess: wall and CPU time, peak RSS of its largest process and of its whole tree.

    CPU time (user + system, all threads and waited-for children) depends far less on other jobs than wall time
    does, so it is printed next to it.
    """

    returncode: int
    wall_s: float
    cpu_s: float
    max_rss_kib: int
    tree_rss_kib: int
    output: str
    started: datetime
    result: dict[str, Any] = field(default_factory=dict)

    def check(self, what: str) -> Timed:
        if self.returncode != 0:
            sys.stderr.write(self.output[-6000:])
            raise RuntimeError(f"{what} failed with exit code {self.returncode}")
        return self


_MAX_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_ELAPSED = re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)")


def run_timed(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> Timed:
    """Run ``cmd`` to completion under ``/usr/bin/time -v`` (or ``wait4`` where it is missing).

    Returns the wall time, ru_maxrss of the largest process in the tree (what ``time -v`` reports), the sampled
    peak of the summed RSS of the whole tree, the merged stdout/stderr, and the ``BENCH-RESULT`` JSON a
    :mod:`bench.worker` prints, if any.
    """
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryDirectory(prefix="concord-bench-") as tmp:
        report = Path(tmp) / "time.txt"
        log = Path(tmp) / "output.txt"
        use_time = TIME_BIN.exists()
        argv = [str(TIME_BIN), "-v", "-o", str(report), *cmd] if use_time else list(cmd)
        started = datetime.now()
        t0 = time.perf_counter()
        with log.open("wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=full_env, cwd=cwd)
            with TreeRss(process.pid) as tree:
                _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - t0
        process.returncode = os.waitstatus_to_exitcode(status)
        max_rss = int(usage.ru_maxrss)
        if use_time and report.exists():
            text = report.read_text()
            if found := _MAX_RSS.search(text):
                max_rss = int(found.group(1))
            if found := _ELAPSED.search(text):
                wall = int(found.group(1) or 0) * 3600 + int(found.group(2)) * 60 + float(found.group(3))
            if "Command exited with non-zero status" in text:
                process.returncode = int(re.search(r"non-zero status (\d+)", text).group(1))  # type: ignore[union-attr]
        output = log.read_text(errors="replace")
    result: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
    cpu = usage.ru_utime + usage.ru_stime  # the whole tree that was waited for, all threads
    return Timed(process.returncode, wall, cpu, max_rss, max(tree.peak_kib, max_rss), output, started, result)


def run_worker(stage: str, **kwargs: Any) -> Timed:
    """Run one stage of :mod:`bench.stages` in a fresh Python process (so its peak RSS is its own)."""
    cmd = [sys.executable, "-m", "bench.worker", stage, json.dumps(kwargs, default=str)]
    return run_timed(cmd, env={"PYTHONPATH": str(REPO_ROOT)}).check(f"bench worker {stage}")


# --- cached inputs --------------------------------------------------------------------------------------


def demo_inbox(scale: str, fresh: bool = False) -> tuple[Path, dict[str, Any], float | None]:
    """The demo inbox of ``scale`` (seed 7, ending 2026-10-31), generated once into ``bench/output/inbox-<scale>``.

    Returns the folder, its manifest and the generation time (None when it was cached).
    """
    target = OUTPUT / f"inbox-{scale}"
    manifest_file = target / "manifest.json"
    if manifest_file.exists() and not fresh:
        manifest = json.loads(manifest_file.read_text())
        if manifest.get("seed") == DEMO_SEED and manifest.get("end") == DEMO_END.isoformat():
            return target, manifest, None
    from concord.demo.generate import generate

    tmp = OUTPUT / f".inbox-{scale}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    manifest = generate(tmp, scale=scale, seed=DEMO_SEED, end=DEMO_END)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t0
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target, manifest, elapsed


def fresh_file(path: Path) -> Path:
    """``path`` with any previous DuckDB file (and its WAL and serving copy) removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in (path, path.with_name(path.name + ".wal"), path.with_name(path.stem + ".serving.duckdb")):
        old.unlink(missing_ok=True)
    return path
