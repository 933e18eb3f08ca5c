"""``generate``: write a seeded, realistic demo inbox and its manifest.

The year of data is simulated once (:mod:`concord.demo.world`), rendered as the rows agencies export
(:mod:`concord.demo.rows`), salted with a controlled share of bad rows (:mod:`concord.demo.defects`) and
written one file per source and month (:mod:`concord.demo.writers`). Same (scale, seed, end, bad_share)
→ byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import polars as pl

from concord.demo.defects import ACTION_KINDS, CASE_KINDS, REFERRAL_KINDS, bad_actions, bad_cases, bad_referrals
from concord.demo.responses import responses
from concord.demo.rows import action_rows, case_rows, referral_rows
from concord.demo.world import Period, World, simulate, stream
from concord.demo.writers import (
    CASE_FILES,
    write_action_file,
    write_agencies,
    write_case_file,
    write_feed,
    write_manifest,
    write_referral_file,
)

Scale = Literal["tiny", "small", "medium"]
SCALES: dict[str, int] = {"tiny": 2_000, "small": 50_000, "medium": 1_000_000}
"""Approximate number of distinct cases (case keys) in the year, by scale."""

SOURCES = ("agencies", "cases", "referrals", "platform_actions", "public_responses")
"""Sub-folders of the inbox, in the order the pipeline ingests them."""

_REFERRAL_FORMATS = ("iso_offset", "iso_offset", "iso_z", "iso_offset", "iso_local", "iso_offset", "dmy_hms")
_ACTION_FORMATS = ("iso_offset", "dmy_hm", "iso_z", "sql_local", "dmy_hms", "iso_offset")
_OWN_FILES = {
    "agencies": "agencies.yaml",
    "cases": "cases_*.*",
    "referrals": "referrals_*.jsonl",
    "platform_actions": "platform_actions_*.csv",
    "public_responses": "public_responses_*.xml",
}


def generate(
    out: Path,
    scale: Scale = "small",
    seed: int = 7,
    end: date | None = None,
    bad_share: float = 0.01,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Write a demo inbox under ``out`` and return the manifest (also written to ``out/manifest.json``).

    ``end`` is the last local day (Asia/Ho_Chi_Minh) of the year of data, today's UTC date by default; no
    good timestamp is later than ``end`` 23:59 local. ``bad_share`` of the rows of cases, referrals and
    platform actions are deliberately bad (each of one counted kind) and must be quarantined. ``progress`` is
    called with (file name, files written, files to write) after each file (the CLI's progress bar).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    if not 0.0 <= bad_share < 0.5:
        raise ValueError("bad_share must be in [0, 0.5)")
    out = Path(out)
    if isinstance(end, datetime):
        end = end.date()
    period = Period.ending(end or datetime.now(UTC).date())
    world = simulate(SCALES[scale], seed, period)

    cases = case_rows(world, seed)
    referrals = referral_rows(world, cases)
    actions = action_rows(world, cases)
    published = responses(world, seed)
    all_cases = _with_bad(cases, bad_cases(cases, bad_share, seed, period.t_end))
    all_referrals = _with_bad(referrals, bad_referrals(referrals, bad_share, seed, period.t_end))
    all_actions = _with_bad(actions, bad_actions(actions, bad_share, seed, period.t_end))

    case_months = [(i, m, all_cases.filter(pl.col("month") == m)) for i, m in enumerate(period.months())]
    case_months = [(i, m, rows) for i, m, rows in case_months if rows.height]
    referral_months = _by_month(all_referrals)
    action_months = _by_month(all_actions)
    feed_months = _by_month(published)
    total = 1 + len(case_months) + len(referral_months) + len(action_months) + len(feed_months)
    files: list[dict] = []

    def wrote(entry: dict) -> None:
        files.append(entry)
        if progress is not None:
            progress(entry["path"], len(files), total)

    _clear_previous(out)
    wrote(write_agencies(out))
    for i, month, rows in case_months:
        wrote(write_case_file(out, month, rows, CASE_FILES[i], stream(seed, f"layout-cases-{month}")))
    for i, (month, rows) in enumerate(referral_months):
        fmt = _REFERRAL_FORMATS[i % len(_REFERRAL_FORMATS)]
        wrote(write_referral_file(out, month, rows, fmt, stream(seed, f"layout-referrals-{month}")))
    for i, (month, rows) in enumerate(action_months):
        fmt = _ACTION_FORMATS[i % len(_ACTION_FORMATS)]
        wrote(write_action_file(out, month, rows, fmt, stream(seed, f"layout-actions-{month}")))
    atom = {len(feed_months) // 3, 2 * len(feed_months) // 3} if len(feed_months) >= 3 else set()
    for i, (month, rows) in enumerate(feed_months):
        wrote(write_feed(out, month, rows, atom=i in atom))

    manifest = _manifest(scale, seed, bad_share, period, world, files, all_cases, all_referrals, all_actions)
    write_manifest(out, manifest)
    return manifest


def _with_bad(good: pl.DataFrame, bad: pl.DataFrame) -> pl.DataFrame:
    """Good and bad rows together, in file order (a bad row sits next to the row it was copied from)."""
    return pl.concat([good, bad]).sort("month", "order", maintain_order=True)


def _by_month(rows: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    return [(str(key[0]), part) for key, part in rows.group_by("month", maintain_order=True)]


def _clear_previous(out: Path) -> None:
    """Remove files an earlier run wrote (and only those), so a smaller or shifted year leaves nothing stale."""
    for source, pattern in _OWN_FILES.items():
        folder = out / source
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(pattern):
            old.unlink()
    (out / "manifest.json").unlink(missing_ok=True)


def _kind_counts(rows: pl.DataFrame, kinds: tuple[str, ...]) -> dict[str, int]:
    counts = dict(rows.filter(pl.col("bad_kind").is_not_null()).group_by("bad_kind").len().iter_rows())
    return {k: int(counts.get(k, 0)) for k in kinds}


def _manifest(
    scale: str,
    seed: int,
    bad_share: float,
    period: Period,
    world: World,
    files: list[dict],
    cases: pl.DataFrame,
    referrals: pl.DataFrame,
    actions: pl.DataFrame,
) -> dict:
    bad = {
        "agencies": {},
        "cases": _kind_counts(cases, CASE_KINDS),
        "referrals": _kind_counts(referrals, REFERRAL_KINDS),
        "platform_actions": _kind_counts(actions, ACTION_KINDS),
        "public_responses": {},
    }
    sources = {}
    for source in SOURCES:
        mine = [f for f in files if f["source"] == source]
        rows = sum(f["rows"] for f in mine)
        n_bad = sum(bad[source].values())
        sources[source] = {"files": len(mine), "rows": rows, "bad_rows": n_bad, "good_rows": rows - n_bad}
    good_cases = cases.filter(pl.col("bad_kind").is_null())
    sources["cases"]["distinct_case_keys"] = good_cases.select(pl.struct("agency_code", "case_id").n_unique()).item()
    sources["cases"]["corrections"] = int(good_cases["correction"].sum())
    sources["public_responses"]["responds_to"] = sum(f.get("responds_to", 0) for f in files)
    latest = datetime.fromtimestamp(period.t_end + 7 * 3600, tz=UTC).replace(tzinfo=None)
    return {
        "generator": "concord.demo",
        "scale": scale,
        "seed": seed,
        "end": period.end.isoformat(),
        "bad_share": bad_share,
        "timezone": "Asia/Ho_Chi_Minh",
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "latest_good_timestamp": latest.isoformat() + "+07:00",
        },
        "rows": {source: totals["rows"] for source, totals in sources.items()},
        "sources": sources,
        "bad_rows": bad,
        "facts": world.facts,
        "files": files,
    }
