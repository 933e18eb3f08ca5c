"""Run one stage of :mod:`bench.stages` in this process and print its figures as one ``BENCH-RESULT`` JSON line.

Usage (the benchmarks call it): ``python -m bench.worker STAGE '{"db": ..., ...}'``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.common import RESULT_MARK, current_rss_kib, peak_rss_kib


def main(argv: list[str]) -> None:
    stage, raw = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    imported_rss = current_rss_kib()
    from bench.stages import STAGES

    kwargs = {k: Path(v) if k in ("db", "inbox", "docs_dir") and v is not None else v for k, v in raw.items()}
    figures = STAGES[stage](**kwargs)
    figures["process_start_rss_kib"] = imported_rss
    figures["process_peak_rss_kib"] = peak_rss_kib()
    print(RESULT_MARK + json.dumps(figures, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
