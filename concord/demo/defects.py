"""Deliberately bad rows, each with exactly one defect of a named kind, so quarantine counts can be checked.

A bad row is a copy of a good row (so every other field is valid) with a fresh id that no good row uses,
then one field broken. Bad rows are never corrections and never share a case key with a good row.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from concord.demo.reference import DAY, HOUR
from concord.demo.rows import case_id_expr
from concord.demo.world import lognormal_s, stream

CASE_KINDS = (
    "missing_required",
    "unparseable_timestamp",
    "unknown_agency",
    "unknown_platform",
    "unknown_category",
    "bad_severity",
    "bad_reach",
    "time_order",
    "future_timestamp",
)
REFERRAL_KINDS = (
    "malformed_json",
    "missing_required",
    "unparseable_timestamp",
    "unknown_agency",
    "time_order",
    "future_timestamp",
)
ACTION_KINDS = (
    "missing_required",
    "unparseable_timestamp",
    "unknown_platform",
    "unknown_action",
    "time_order",
    "future_timestamp",
)

_BAD_TIMESTAMPS = ("31/02/{y} 10:00", "not a date", "{y}-13-45T10:00:00", "hôm qua", "32/01/{y} 08:15", "25:61 5/3/{y}")
_UNKNOWN_AGENCIES = ("STTT", "CA-ANM2", "Q13-UBND", "SO-TTTT", "PHUONG-9", "VNCERT-HN")
_UNKNOWN_PLATFORMS = ("myspace", "friendster", "Zing Me", "orkut", "vk")
_UNKNOWN_CATEGORIES = ("fake_news", "rumour", "lừa đảo", "spam", "tin giả")
_BAD_SEVERITIES = ("7", "urgent", "0", "5", "khẩn cấp", "rất cao")
_BAD_REACH = ("-120", "-1", "n/a", "khoảng 5000", "~5k", "nhiều")
_UNKNOWN_ACTIONS = ("deleted", "banned", "đã gỡ", "takedown", "blocked")
FAR_FUTURE = (366 * DAY, 730 * DAY)  # a wrong year: well past any as-of time a run of this data would use


def bad_count(n_good: int, share: float, n_kinds: int) -> int:
    """How many bad rows make ``share`` of all rows, at least one of each kind when ``share`` > 0."""
    if share <= 0:
        return 0
    return max(n_kinds, round(share * n_good / (1.0 - share)))


def _kinds(rng: np.random.Generator, n: int, kinds: tuple[str, ...]) -> np.ndarray:
    """``n`` kinds, as evenly spread as possible, in random order."""
    return rng.permutation(np.arange(n) % len(kinds))


def _choose(rng: np.random.Generator, options: tuple[str, ...], n: int) -> pl.Series:
    return pl.Series([options[i] for i in rng.integers(0, len(options), n)], dtype=pl.String)


def _year(t: pl.Expr) -> pl.Expr:
    return pl.from_epoch(t + 7 * HOUR, time_unit="s").dt.strftime("%Y")


def _fill_year(template: pl.Expr, year: pl.Expr) -> pl.Expr:
    return template.str.replace_all("{y}", year, literal=True)


def bad_cases(good: pl.DataFrame, share: float, seed: int, t_end: int) -> pl.DataFrame:
    """Bad case rows: copies of good (uncorrected) rows with a new case number and one defect."""
    rng = stream(seed, "bad-cases")
    pool = good.filter(~pl.col("correction") & ~pl.col("superseded"))
    n = bad_count(good.height, share, len(CASE_KINDS))
    if n == 0:
        return good.clear()
    rows = pool[np.sort(rng.choice(pool.height, n, replace=n > pool.height))]
    kind = _kinds(rng, n, CASE_KINDS)
    missing_field = rng.integers(0, 7, n)
    ts_field_triaged = rng.random(n) < 0.3
    future = t_end + rng.integers(*FAR_FUTURE, n)
    earlier = lognormal_s(rng, 3.0, 1.0, n)
    frame = rows.with_columns(
        kind=pl.Series(kind),
        missing=pl.Series(missing_field),
        bad_ts=_choose(rng, _BAD_TIMESTAMPS, n),
        ts_on_triaged=pl.Series(ts_field_triaged),
        future=pl.Series(future),
        earlier=pl.Series(earlier),
        unknown_agency=_choose(rng, _UNKNOWN_AGENCIES, n),
        unknown_platform=_choose(rng, _UNKNOWN_PLATFORMS, n),
        unknown_category=_choose(rng, _UNKNOWN_CATEGORIES, n),
        bad_severity=_choose(rng, _BAD_SEVERITIES, n),
        bad_reach=_choose(rng, _BAD_REACH, n),
        # Fresh numbers far above any real one keep case keys unique.
        seq=900_000 + pl.int_range(pl.len(), dtype=pl.Int64),
    )
    is_ = {name: pl.col("kind") == i for i, name in enumerate(CASE_KINDS)}
    miss = is_["missing_required"]
    on_triaged = is_["unparseable_timestamp"] & pl.col("ts_on_triaged") & pl.col("triaged").is_not_null()
    is_future, is_order = is_["future_timestamp"], is_["time_order"]
    case_id = case_id_expr(pl.col("agency"), pl.col("seq"), pl.col("detected"))
    out = frame.with_columns(
        case_id=pl.when(miss & (pl.col("missing") == 0)).then(None).otherwise(case_id),
        agency_code=pl.when(miss & (pl.col("missing") == 1))
        .then(None)
        .when(is_["unknown_agency"])
        .then("unknown_agency")
        .otherwise("agency_code"),
        detected=pl.when(miss & (pl.col("missing") == 2))
        .then(None)
        .when(is_future)
        .then("future")
        .otherwise("detected"),
        url=pl.when(miss & (pl.col("missing") == 3)).then(None).otherwise("url"),
        platform_text=pl.when(miss & (pl.col("missing") == 4))
        .then(None)
        .when(is_["unknown_platform"])
        .then("unknown_platform")
        .otherwise("platform_text"),
        category_text=pl.when(miss & (pl.col("missing") == 5))
        .then(None)
        .when(is_["unknown_category"])
        .then("unknown_category")
        .otherwise("category_text"),
        severity_text=pl.when(is_["bad_severity"]).then("bad_severity").otherwise("severity_text"),
        status=pl.when(miss & (pl.col("missing") == 6))
        .then(None)
        .when(is_future)
        .then(pl.lit("open"))
        .when(is_order & (pl.col("status") == "open"))
        .then(pl.lit("triaged"))
        .otherwise("status"),
        triaged=pl.when(is_future)
        .then(None)
        .when(is_order)
        .then(pl.col("detected") - pl.col("earlier"))
        .otherwise("triaged"),
        closed=pl.when(is_future).then(None).otherwise("closed"),
        detected_raw=pl.when(is_["unparseable_timestamp"] & ~on_triaged).then(
            _fill_year(pl.col("bad_ts"), _year(pl.col("detected")))
        ),
        triaged_raw=pl.when(on_triaged).then(_fill_year(pl.col("bad_ts"), _year(pl.col("detected")))),
        reach_raw=pl.when(is_["bad_reach"]).then("bad_reach"),
        bad_kind=pl.lit(pl.Series(CASE_KINDS)).gather(pl.col("kind")),
        case=pl.lit(None, dtype=pl.UInt32),
    )
    return out.select(good.columns)


def bad_referrals(good: pl.DataFrame, share: float, seed: int, t_end: int) -> pl.DataFrame:
    """Bad referral lines: copies of good hand-offs with a fresh id and one defect (or not JSON at all)."""
    rng = stream(seed, "bad-referrals")
    n = bad_count(good.height, share, len(REFERRAL_KINDS))
    if n == 0:
        return good.clear()
    rows = good[np.sort(rng.choice(good.height, n, replace=n > good.height))]
    kind = _kinds(rng, n, REFERRAL_KINDS)
    frame = rows.with_columns(
        kind=pl.Series(kind),
        missing=pl.Series(rng.integers(0, 6, n)),
        bad_ts=_choose(rng, _BAD_TIMESTAMPS, n),
        unknown_agency=_choose(rng, _UNKNOWN_AGENCIES, n),
        on_from=pl.Series(rng.random(n) < 0.5),
        future=pl.Series(t_end + rng.integers(*FAR_FUTURE, n)),
        earlier=pl.Series(lognormal_s(rng, 2.0, 1.0, n)),
        seq=pl.int_range(pl.len(), dtype=pl.Int64) + 1,
        malformed=pl.Series(rng.integers(0, 3, n)),
    )
    is_ = {name: pl.col("kind") == i for i, name in enumerate(REFERRAL_KINDS)}
    miss, is_future, is_order = is_["missing_required"], is_["future_timestamp"], is_["time_order"]
    out = frame.with_columns(
        referral_id=pl.when(miss & (pl.col("missing") == 0))
        .then(None)
        .otherwise(pl.concat_str(pl.lit("RF-X"), pl.col("seq").cast(pl.String).str.zfill(6))),
        case_agency=pl.when(miss & (pl.col("missing") == 1)).then(None).otherwise("case_agency"),
        case_id=pl.when(miss & (pl.col("missing") == 2)).then(None).otherwise("case_id"),
        from_agency=pl.when(miss & (pl.col("missing") == 3))
        .then(None)
        .when(is_["unknown_agency"] & pl.col("on_from"))
        .then("unknown_agency")
        .otherwise("from_agency"),
        to_agency=pl.when(miss & (pl.col("missing") == 4))
        .then(None)
        .when(is_["unknown_agency"] & ~pl.col("on_from"))
        .then("unknown_agency")
        .otherwise("to_agency"),
        sent=pl.when(miss & (pl.col("missing") == 5)).then(None).when(is_future).then("future").otherwise("sent"),
        ack=pl.when(is_future).then(None).when(is_order).then(pl.col("sent") - pl.col("earlier")).otherwise("ack"),
        completed=pl.when(is_future | is_order).then(None).otherwise("completed"),
        outcome=pl.when(is_future).then(None).when(is_order).then(pl.lit("accepted")).otherwise("outcome"),
        sent_raw=pl.when(is_["unparseable_timestamp"]).then(_fill_year(pl.col("bad_ts"), _year(pl.col("sent")))),
        line_raw=pl.when(is_["malformed_json"]).then(pl.col("malformed")),  # rendered by the writer
        bad_kind=pl.lit(pl.Series(REFERRAL_KINDS)).gather(pl.col("kind")),
        case=pl.lit(None, dtype=pl.Int64),
    )
    return out.with_columns(pl.col("line_raw").cast(pl.String)).select(good.columns)


def bad_actions(good: pl.DataFrame, share: float, seed: int, t_end: int) -> pl.DataFrame:
    """Bad platform-action rows: copies of good requests with a fresh id and one defect."""
    rng = stream(seed, "bad-actions")
    n = bad_count(good.height, share, len(ACTION_KINDS))
    if n == 0:
        return good.clear()
    rows = good[np.sort(rng.choice(good.height, n, replace=n > good.height))]
    kind = _kinds(rng, n, ACTION_KINDS)
    frame = rows.with_columns(
        kind=pl.Series(kind),
        missing=pl.Series(rng.integers(0, 5, n)),
        bad_ts=_choose(rng, _BAD_TIMESTAMPS, n),
        unknown_platform=_choose(rng, _UNKNOWN_PLATFORMS, n),
        unknown_action=_choose(rng, _UNKNOWN_ACTIONS, n),
        future=pl.Series(t_end + rng.integers(*FAR_FUTURE, n)),
        earlier=pl.Series(lognormal_s(rng, 3.0, 1.0, n)),
        seq=pl.int_range(pl.len(), dtype=pl.Int64) + 1,
    )
    is_ = {name: pl.col("kind") == i for i, name in enumerate(ACTION_KINDS)}
    miss, is_future, is_order = is_["missing_required"], is_["future_timestamp"], is_["time_order"]
    out = frame.with_columns(
        request_id=pl.when(miss & (pl.col("missing") == 0))
        .then(None)
        .otherwise(pl.concat_str(pl.lit("YC-X-"), pl.col("seq").cast(pl.String).str.zfill(7))),
        case_id=pl.when(miss & (pl.col("missing") == 1)).then(None).otherwise("case_id"),
        platform=pl.when(miss & (pl.col("missing") == 2))
        .then(None)
        .when(is_["unknown_platform"])
        .then("unknown_platform")
        .otherwise("platform"),
        requested=pl.when(miss & (pl.col("missing") == 3))
        .then(None)
        .when(is_future)
        .then("future")
        .otherwise("requested"),
        action=pl.when(miss & (pl.col("missing") == 4))
        .then(None)
        .when(is_["unknown_action"])
        .then("unknown_action")
        .when(is_future)
        .then(pl.lit("pending"))
        .when(is_order & pl.col("action").is_in(["pending", "no_response"]))
        .then(pl.lit("removed"))
        .otherwise("action"),
        responded=pl.when(is_future)
        .then(None)
        .when(is_order)
        .then(pl.col("requested") - pl.col("earlier"))
        .otherwise("responded"),
        requested_raw=pl.when(is_["unparseable_timestamp"]).then(
            _fill_year(pl.col("bad_ts"), _year(pl.col("requested")))
        ),
        bad_kind=pl.lit(pl.Series(ACTION_KINDS)).gather(pl.col("kind")),
        case=pl.lit(None, dtype=pl.Int64),
    )
    return out.select(good.columns)
