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


def test_pages_on_tiny_inbox_print_a_row_per_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bench.common
    from bench.pages import leadership_pages, main
    from concord.demo.generate import generate

    monkeypatch.setattr(bench.common, "OUTPUT", tmp_path / "output")  # not bench/output/results.jsonl
    monkeypatch.setattr(bench.common, "RESULTS_FILE", tmp_path / "output" / "results.jsonl")
    inbox = tmp_path / "inbox"
    generate(inbox, scale="tiny", seed=7, end=date(2026, 10, 31))

    figures = main(scale="tiny", inbox=inbox, work=tmp_path / "work", in_process=True)

    out = capsys.readouterr().out
    assert "load " in out and "code " in out  # printed with the load average and the commit
    pages = [Path(path).stem for path in leadership_pages()]
    assert len(pages) == 8
    for page in pages:  # one row per page: cold s, warm s, the target and whether it was met
        assert re.search(rf"^\s+{page}\s+\d+\.\d\d\s+\d+\.\d\d\s+≤ 1 s\s+(yes|warm only|no)\s", out, re.M), out
    assert list(figures["pages"]) == pages
    assert figures["failed_pages"] == [], out
    assert (tmp_path / "output" / "results.jsonl").exists()
