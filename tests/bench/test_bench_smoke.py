"""The benchmarks' smallest path runs and prints figures (speed and memory are reported, never asserted)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest


def test_stages_on_tiny_inbox_print_wall_times(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.pipeline_small import stages_main
    from concord.demo.generate import generate

    inbox = tmp_path / "inbox"
    generate(inbox, scale="tiny", seed=7, end=date(2026, 10, 31))

    rows = stages_main(scale="tiny", in_process=True, validate=False, inbox=inbox, work=tmp_path / "work")

    out = capsys.readouterr().out
    assert "load " in out  # every result is printed with the load average
    assert re.search(r"ingest cases\s+\d+\.\d\d\s+\d+\.\d\d", out), out  # a wall time in seconds
    assert re.search(r"total \(stage walls\)\s+\d+\.\d\d", out), out
    assert [r["stage"] for r in rows][-2:] == ["marts", "publish"]
    assert all(r["peak_rss_kib"] > 0 for r in rows)
