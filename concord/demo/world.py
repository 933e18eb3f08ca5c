"""The simulated year: cases detected, triaged, handed off, taken down, closed and answered in public.

Everything is drawn with numpy in whole arrays (one draw per event kind, never a Python loop per case).
Times are integer seconds since the Unix epoch (UTC); ``NEVER`` marks an event that has not happened by
the end of the period, so "happened by t" is simply ``time <= t``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl

from concord.codes import ACTIONS, CATEGORIES, PLATFORMS, STATUSES
from concord.demo.reference import (
    AGENCIES,
    BURSTS,
    CATEGORY_MIX,
    DAY,
    ENFORCEMENT,
    HOUR,
    HOUR_WEIGHT,
    LOCAL_OFFSET_S,
    PLATFORM_BEHAVIOUR,
    PLATFORM_MIX,
    REJECT_RATE,
    REQUEST_RATE,
    ROUTES,
    SEVERITY_MIX,
    WEEKDAY_WEIGHT,
)
from concord.demo.urls import item_urls

NEVER = 2**62
N_AGENCIES = len(AGENCIES)
CODE_INDEX = {a.code: i for i, a in enumerate(AGENCIES)}
C = {name: i for i, name in enumerate(CATEGORIES)}
S = {name: i for i, name in enumerate(STATUSES)}
A = {name: i for i, name in enumerate(ACTIONS)}
TIER_STALL = {"national": 0.03, "city": 0.04, "district": 0.08, "ward": 0.10}
SEVERITY_PACE = np.array([0.0, 1.6, 1.0, 0.6, 0.3])  # triage and request delay factor by severity 1..4
NO_RESPONSE_AFTER = 14 * DAY  # an unanswered request counts as no_response after two weeks

_VOLUME = np.array([a.volume for a in AGENCIES])
_TRIAGE_H = np.array([a.triage_h for a in AGENCIES])
_CLOSE_H = np.array([a.close_h for a in AGENCIES])
_ACK_H = np.array([a.ack_h for a in AGENCIES])
_UNACK = np.array([a.unack for a in AGENCIES])
_REFER = np.array([a.refer for a in AGENCIES])
_STALL = np.array([TIER_STALL[a.tier] for a in AGENCIES])


@dataclass(frozen=True)
class Period:
    """The 365 local days ending at ``end``: ``t0`` is the first local midnight, ``t_end`` the end 23:59:00."""

    start: date
    end: date
    t0: int
    t_end: int

    @classmethod
    def ending(cls, end: date) -> Period:
        start = end - timedelta(days=364)
        t0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()) - LOCAL_OFFSET_S
        return cls(start=start, end=end, t0=t0, t_end=t0 + 365 * DAY - 60)

    def months(self) -> list[str]:
        """The local calendar months the period touches, as ``YYYY-MM``."""
        out, d = [], self.start.replace(day=1)
        while d <= self.end:
            out.append(f"{d.year:04d}-{d.month:02d}")
            d = (d + timedelta(days=32)).replace(day=1)
        return out


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per purpose, so changing one part of the world never shifts another."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def local_month(t: pl.Expr) -> pl.Expr:
    """``YYYY-MM`` of the local (UTC+07:00) month of epoch seconds."""
    return pl.from_epoch(t + LOCAL_OFFSET_S, time_unit="s").dt.strftime("%Y-%m")


def month_end_of(t: np.ndarray) -> np.ndarray:
    """The last second of the local month holding each epoch time."""
    local = (t + LOCAL_OFFSET_S).astype("datetime64[s]")
    next_month = local.astype("datetime64[M]") + 1
    return next_month.astype("datetime64[s]").astype(np.int64) - LOCAL_OFFSET_S - 1


def lognormal_s(
    rng: np.random.Generator, median_h: np.ndarray | float, sigma: float, n: int, floor_s: int = 120
) -> np.ndarray:
    """Delays in whole seconds, lognormal around ``median_h`` hours, at least ``floor_s`` and at most 300 days."""
    draw = np.exp(np.log(np.asarray(median_h, dtype=float) * HOUR) + sigma * rng.standard_normal(n))
    return np.clip(draw, floor_s, 300 * DAY).astype(np.int64)


def choice_by_group(rng: np.random.Generator, groups: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """For each row, an index drawn from ``probs[group]`` (one vectorised draw per distinct group)."""
    out = np.empty(len(groups), dtype=np.int64)
    for g in np.unique(groups):
        mask = groups == g
        out[mask] = rng.choice(probs.shape[1], int(mask.sum()), p=probs[g])
    return out


def _affinity() -> np.ndarray:
    """P(agency | category): volume times focus (specialists see little outside their focus)."""
    weights = np.empty((len(CATEGORIES), N_AGENCIES))
    for a, agency in enumerate(AGENCIES):
        narrow = agency.role in ("sector", "verification", "press")
        for c, category in enumerate(CATEGORIES):
            weights[c, a] = agency.volume * (6.0 if category in agency.focus else 0.12 if narrow else 1.0)
    return weights / weights.sum(axis=1, keepdims=True)


def _routes() -> np.ndarray:
    """P(to agency | from agency, category), flattened to groups ``from * n_categories + category``."""
    base = np.zeros((len(CATEGORIES), N_AGENCIES))
    for c, category in enumerate(CATEGORIES):
        for code, w in ROUTES[category].items():
            base[c, CODE_INDEX[code]] = w
    probs = np.empty((N_AGENCIES * len(CATEGORIES), N_AGENCIES))
    for f, agency in enumerate(AGENCIES):
        for c in range(len(CATEGORIES)):
            w = base[c].copy() + 0.05  # anyone can be asked now and then
            if agency.parent and agency.tier in ("ward", "district"):
                w[CODE_INDEX[agency.parent]] += 8.0 if agency.tier == "ward" else 3.0
            w[f] = 0.0
            probs[f * len(CATEGORIES) + c] = w / w.sum()
    return probs


AFFINITY = _affinity()
ROUTE_PROBS = _routes()


def daily_weights(rng: np.random.Generator, period: Period) -> np.ndarray:
    """Expected share of cases per (local day, category): weekly rhythm, slow growth, noise and bursts."""
    days = np.arange(365)
    weekday = (period.start.weekday() + days) % 7
    trend = 1.0 + 0.15 * days / 364
    noise = np.clip(1.0 + 0.08 * rng.standard_normal(365), 0.6, 1.4)
    weights = (WEEKDAY_WEIGHT[weekday] * trend * noise)[:, None] * CATEGORY_MIX[None, :]
    for burst in BURSTS:
        first = int(burst.start * 365)
        profile = np.linspace(1.0, 0.35, burst.days)  # sharp onset, slow decay
        weights[first : first + burst.days, C[burst.category]] *= 1.0 + (burst.factor - 1.0) * profile
    return weights / weights.sum()


@dataclass
class Cases:
    """Struct of arrays, one entry per case (agency index, codes as indices, times in epoch seconds)."""

    agency: np.ndarray
    category: np.ndarray
    platform: np.ndarray
    severity: np.ndarray
    reach: np.ndarray  # -1 when not recorded
    item: np.ndarray
    poster: np.ndarray  # index into the pool of account handles, -1 for none
    detected: np.ndarray
    rejected: np.ndarray
    triaged: np.ndarray
    origin: np.ndarray  # index of the original case this one duplicates, -1 for an original
    linked: np.ndarray  # duplicate created by a referral from the original's agency

    @staticmethod
    def concat(a: Cases, b: Cases) -> Cases:
        return Cases(**{k: np.concatenate([v, getattr(b, k)]) for k, v in vars(a).items()})


def _attributes(rng: np.random.Generator, category: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Platform, severity (1–4) and reach (−1 when not recorded) for cases of the given categories."""
    n = len(category)
    platform = choice_by_group(rng, category, PLATFORM_MIX)
    median = np.array([p.reach_median for p in PLATFORM_BEHAVIOUR])[platform]
    sigma = np.array([p.reach_sigma for p in PLATFORM_BEHAVIOUR])[platform]
    misinfo = (category == C["health_misinfo"]) | (category == C["disaster_misinfo"])
    reach = np.exp(np.log(median * np.where(misinfo, 3.0, 1.0)) + sigma * rng.standard_normal(n))
    reach = np.minimum(reach, 5e7).astype(np.int64)
    missing = rng.random(n) < np.array([p.reach_missing for p in PLATFORM_BEHAVIOUR])[platform]
    reach[missing] = -1
    severity = choice_by_group(rng, category, SEVERITY_MIX) + 1
    viral = (reach >= 100_000) & (rng.random(n) < 0.4)
    severity = np.minimum(severity + viral, 4)
    return platform, severity, reach


def _triage(rng: np.random.Generator, agency: np.ndarray, severity: np.ndarray, detected: np.ndarray) -> np.ndarray:
    return detected + lognormal_s(rng, _TRIAGE_H[agency] * SEVERITY_PACE[severity], 1.1, len(agency))


def originals(rng: np.random.Generator, n: int, period: Period, n_posters: int) -> Cases:
    """``n`` first reports of distinct items, spread over the year by day-of-week, trend and bursts."""
    counts = rng.multinomial(n, daily_weights(rng, period).ravel())
    cell = np.repeat(np.arange(counts.size), counts)
    day, category = cell // len(CATEGORIES), cell % len(CATEGORIES)
    hour = rng.choice(24, n, p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
    time_of_day = np.minimum(hour * HOUR + rng.integers(0, HOUR, n), DAY - 60)
    detected = period.t0 + day * DAY + time_of_day
    agency = choice_by_group(rng, category, AFFINITY)
    platform, severity, reach = _attributes(rng, category)
    poster = rng.integers(0, n_posters, n)
    poster[(platform == PLATFORMS.index("website")) & (rng.random(n) < 0.8)] = -1
    return Cases(
        agency=agency,
        category=category,
        platform=platform,
        severity=severity,
        reach=reach,
        item=np.arange(n),
        poster=poster,
        detected=detected,
        rejected=rng.random(n) < REJECT_RATE[category],
        triaged=_triage(rng, agency, severity, detected),
        origin=np.full(n, -1),
        linked=np.zeros(n, dtype=bool),
    )


def _other_agency(rng: np.random.Generator, category: np.ndarray, avoid: np.ndarray) -> np.ndarray:
    """An agency likely to see this category, never the one in ``avoid``."""
    agency = choice_by_group(rng, category, AFFINITY)
    for _ in range(8):
        clash = agency == avoid
        if not clash.any():
            break
        agency[clash] = choice_by_group(rng, category[clash], AFFINITY)
    clash = agency == avoid
    agency[clash] = (avoid[clash] + 1) % N_AGENCIES
    return agency


@dataclass
class Hops:
    """Referral hops (one row per hand-off) and, per chain, the case it belongs to."""

    frame: pl.DataFrame  # case, hop, from_agency, to_agency, sent, ack, completed, outcome (index or -1)
    first_sent: np.ndarray  # per case of the simulation: when the first hand-off went out (NEVER if none)
    last_activity: np.ndarray  # per case: the latest referral event that happened
    dangling: np.ndarray  # per case: the last hand-off was never acknowledged


def referral_chains(
    rng: np.random.Generator, cases: Cases, refer: np.ndarray, forced_to: np.ndarray, t_end: int
) -> Hops:
    """Hand-off chains A→B(→C…) for the cases in ``refer``; some bounce back to an earlier holder (ping-pong)."""
    n_cases = len(cases.agency)
    case = np.flatnonzero(refer)
    n = len(case)
    hops = rng.choice([1, 2, 3], n, p=[0.68, 0.22, 0.10])
    category = cases.category[case]
    holder, previous = cases.agency[case].copy(), np.full(n, -1)
    sent = cases.triaged[case] + lognormal_s(rng, 2.0, 1.0, n)
    alive = np.ones(n, dtype=bool)
    ping_pong = np.zeros(n, dtype=bool)
    rows: list[pl.DataFrame] = []
    first_sent = np.full(n_cases, NEVER, dtype=np.int64)
    last_activity = np.full(n_cases, -1, dtype=np.int64)
    dangling = np.zeros(n_cases, dtype=bool)
    for k in range(1, 4):
        to = choice_by_group(rng, holder * len(CATEGORIES) + category, ROUTE_PROBS)
        if k == 1:
            to = np.where(forced_to[case] >= 0, forced_to[case], to)
        else:
            to = np.where(ping_pong & (previous >= 0), previous, to)
        active = alive & (hops >= k) & (sent <= t_end)
        last = hops == k
        next_ping_pong = rng.random(n) < 0.35
        ack = sent + lognormal_s(rng, _ACK_H[to], 1.0, n, floor_s=60)
        ack[rng.random(n) < _UNACK[to]] = NEVER
        # Outcome: a forwarded case was accepted (or declined, or returned when it bounces back next).
        u = rng.random(n)
        final = np.select([u < 0.62, u < 0.80, u < 0.92], [3, 0, 1], 2)  # completed, accepted, declined, returned
        onward = np.where(next_ping_pong, 2, np.where(u < 0.85, 0, 1))
        outcome = np.where(last, final, onward)
        completed = np.where(outcome == 3, ack + lognormal_s(rng, 30.0, 1.0, n), NEVER)
        # What has not happened by the end of the period is not in the data yet.
        late_completion = completed > t_end
        outcome = np.where((outcome == 3) & late_completion, 0, outcome)
        completed = np.where(late_completion, NEVER, completed)
        not_acked = ack > t_end
        ack = np.where(not_acked, NEVER, ack)
        outcome = np.where(not_acked, -1, outcome)
        completed = np.where(not_acked, NEVER, completed)
        idx = np.flatnonzero(active)
        rows.append(
            pl.DataFrame(
                {
                    "case": case[idx],
                    "hop": np.full(len(idx), k),
                    "from_agency": holder[idx],
                    "to_agency": to[idx],
                    "sent": sent[idx],
                    "ack": ack[idx],
                    "completed": completed[idx],
                    "outcome": outcome[idx],
                }
            )
        )
        if k == 1:
            first_sent[case[idx]] = sent[idx]
        activity = np.where(completed < NEVER, completed, np.where(ack < NEVER, ack, sent))
        last_activity[case[idx]] = np.maximum(last_activity[case[idx]], activity[idx])
        dangling[case[idx]] = not_acked[idx]
        alive = active & ~last & ~not_acked
        sent = ack + lognormal_s(rng, np.where(next_ping_pong, 2.0, 6.0), 1.0, n)
        previous, holder = holder, to
        ping_pong = next_ping_pong
    return Hops(pl.concat(rows), first_sent, last_activity, dangling)


def duplicates(
    rng: np.random.Generator, base: Cases, n_dup: int, t_end: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which originals another agency reports again: (original index, that agency, linked by referral, delay)."""
    category_weight = np.array([1.5, 1.5, 1.0, 1.2, 0.8, 2.0, 2.0, 0.5])[base.category]
    weight = category_weight * (1.0 + np.log10(np.maximum(base.reach, 0) + 1.0))
    keys = np.log(rng.random(len(weight))) / weight  # weighted sampling without replacement (Efraimidis–Spirakis)
    origin = np.sort(np.argpartition(-keys, n_dup)[:n_dup])
    agency = _other_agency(rng, base.category[origin], base.agency[origin])
    linked = (rng.random(n_dup) < 0.4) & ~base.rejected[origin] & (base.triaged[origin] <= t_end)
    # Unlinked duplicates: mostly within hours to days, a fifth weeks later (the item came back).
    soon = lognormal_s(rng, 20.0, 1.2, n_dup, floor_s=600)
    later = rng.integers(8 * DAY, 60 * DAY, n_dup)
    delay = np.where(rng.random(n_dup) < 0.78, soon, later)
    return origin, agency, linked, delay


def duplicate_cases(
    rng: np.random.Generator,
    base: Cases,
    origin: np.ndarray,
    agency: np.ndarray,
    detected: np.ndarray,
    linked: np.ndarray,
) -> Cases:
    """The later reports of already-reported items, by other agencies, each written down their own way."""
    n = len(origin)
    severity = np.clip(base.severity[origin] + rng.choice([-1, 0, 0, 0, 0, 1], n), 1, 4)
    reach = np.where(
        base.reach[origin] >= 0, (base.reach[origin] * np.exp(0.6 * rng.standard_normal(n))).astype(np.int64), -1
    )
    category = base.category[origin]
    return Cases(
        agency=agency,
        category=category,
        platform=base.platform[origin],
        severity=severity,
        reach=reach,
        item=base.item[origin],
        poster=base.poster[origin],
        detected=detected,
        rejected=rng.random(n) < REJECT_RATE[category],
        triaged=_triage(rng, agency, severity, detected),
        origin=origin,
        linked=linked,
    )


def takedown_requests(rng: np.random.Generator, cases: Cases, t_end: int) -> pl.DataFrame:
    """Requests to platforms and hosters, answered at each platform's pace (or never)."""
    n = len(cases.agency)
    asked = ~cases.rejected & (rng.random(n) < REQUEST_RATE[cases.category]) & (cases.triaged <= t_end)
    case = np.flatnonzero(asked)
    requested = cases.triaged[case] + lognormal_s(rng, 8.0 * SEVERITY_PACE[cases.severity[case]], 1.0, len(case))
    first = _answers(rng, case, cases.platform[case], cases.category[case], requested, t_end, 1.0)
    # Unanswered after two weeks: some agencies ask again.
    again = first.filter((pl.col("action") == A["no_response"]) & pl.Series(rng.random(first.height) < 0.45))
    requested2 = again["requested"].to_numpy() + NO_RESPONSE_AFTER + lognormal_s(rng, 48.0, 1.0, again.height)
    case2 = again["case"].to_numpy()
    second = _answers(rng, case2, cases.platform[case2], cases.category[case2], requested2, t_end, 0.5)
    return pl.concat([first, second]).filter(pl.col("requested") <= t_end)


def _answers(
    rng: np.random.Generator,
    case: np.ndarray,
    platform: np.ndarray,
    category: np.ndarray,
    requested: np.ndarray,
    t_end: int,
    no_response_factor: float,
) -> pl.DataFrame:
    n = len(case)
    behaviour = PLATFORM_BEHAVIOUR
    median = np.array([p.response_h for p in behaviour])[platform]
    sigma = np.array([p.response_sigma for p in behaviour])[platform]
    responded = requested + np.clip(
        np.exp(np.log(median * HOUR) + sigma * rng.standard_normal(n)), 300, 200 * DAY
    ).astype(np.int64)
    silent = rng.random(n) < np.array([p.no_response for p in behaviour])[platform] * no_response_factor
    enforce = rng.random(n) < np.array([p.enforce for p in behaviour])[platform]
    misinfo = (category == C["health_misinfo"]) | (category == C["disaster_misinfo"])
    kind = np.where(
        misinfo,
        rng.choice(4, n, p=[0.40, 0.15, 0.10, 0.35]),
        rng.choice(4, n, p=[0.65, 0.15, 0.15, 0.05]),
    )
    action = np.where(enforce, kind, A["no_violation"])  # the first four ACTIONS are the enforcement ones
    gave_up = requested + NO_RESPONSE_AFTER <= t_end
    action = np.where(silent, np.where(gave_up, A["no_response"], A["pending"]), action)
    pending = ~silent & (responded > t_end)
    action = np.where(pending, A["pending"], action)
    responded = np.where(silent | pending, NEVER, responded)
    return pl.DataFrame({"case": case, "requested": requested, "responded": responded, "action": action})


def closing(rng: np.random.Generator, cases: Cases, hops: Hops, actions: pl.DataFrame, t_end: int) -> np.ndarray:
    """When each case was closed (NEVER if still open at the end): after its last hand-off or platform answer."""
    n = len(cases.agency)
    settled = (
        actions.with_columns(
            done=pl.when(pl.col("action") == A["pending"])
            .then(pl.lit(NEVER))
            .when(pl.col("action") == A["no_response"])
            .then(pl.col("requested") + NO_RESPONSE_AFTER)
            .otherwise(pl.col("responded"))
        )
        .group_by("case")
        .agg(pl.col("done").max())
    )
    last_action = np.full(n, -1, dtype=np.int64)
    last_action[settled["case"].to_numpy()] = settled["done"].to_numpy()
    base = np.maximum(np.maximum(cases.triaged, hops.last_activity), last_action)
    closed = base + lognormal_s(rng, _CLOSE_H[cases.agency], 1.0, n)
    rejected = cases.triaged + lognormal_s(rng, 6.0, 1.0, n)
    stalled = (rng.random(n) < _STALL[cases.agency]) | (hops.dangling & (rng.random(n) < 0.5))
    closed = np.where(cases.rejected, rejected, np.where(stalled | (base >= NEVER), NEVER, closed))
    return np.where(closed > t_end, NEVER, closed)


def status_at(
    cutoff: np.ndarray | int,
    triaged: np.ndarray,
    first_sent: np.ndarray,
    first_enforced: np.ndarray,
    closed: np.ndarray,
    rejected: np.ndarray,
) -> np.ndarray:
    """The status index each case had at ``cutoff``, consistent with which of its timestamps are known by then."""
    return np.select(
        [
            triaged > cutoff,
            (closed <= cutoff) & rejected,
            closed <= cutoff,
            first_enforced <= cutoff,
            first_sent <= cutoff,
        ],
        [S["open"], S["rejected"], S["closed"], S["actioned"], S["referred"]],
        S["triaged"],
    )


@dataclass
class World:
    """The simulated year as frames of events (indices and epoch seconds; text comes later)."""

    period: Period
    cases: pl.DataFrame
    referrals: pl.DataFrame
    actions: pl.DataFrame
    items: pl.DataFrame
    facts: dict


def simulate(n_target: int, seed: int, period: Period) -> World:
    """The whole year for about ``n_target`` cases (originals plus cross-agency duplicates)."""
    t_end = period.t_end
    n_orig = max(round(n_target / 1.07), 50)
    n_posters = max(n_target // 3, 10)
    base = originals(stream(seed, "originals"), n_orig, period, n_posters)
    # Originals whose item another agency reports too; some of those reports come from a referral.
    n_dup = round(0.075 * n_orig)
    origin, dup_agency, linked, delay = duplicates(stream(seed, "duplicates"), base, n_dup, t_end)
    forced_to = np.full(n_orig, -1)
    forced_to[origin[linked]] = dup_agency[linked]
    rng = stream(seed, "referrals")
    refer = (~base.rejected & (rng.random(n_orig) < _REFER[base.agency]) & (base.triaged <= t_end)) | (forced_to >= 0)
    hops_a = referral_chains(rng, base, refer, forced_to, t_end)
    # A linked duplicate is opened when the receiving agency picks the referral up.
    first = hops_a.frame.filter(pl.col("hop") == 1)
    pickup = np.full(n_orig, NEVER, dtype=np.int64)
    acked = first["ack"].to_numpy()
    pickup[first["case"].to_numpy()] = np.where(acked < NEVER, acked, first["sent"].to_numpy() + 4 * HOUR)
    rng = stream(seed, "duplicate-cases")
    dup_detected = np.where(
        linked, pickup[origin] + lognormal_s(rng, 1.0, 1.0, n_dup, floor_s=300), base.detected[origin] + delay
    )
    keep = dup_detected <= t_end
    dups = duplicate_cases(rng, base, origin[keep], dup_agency[keep], dup_detected[keep], linked[keep])
    rng = stream(seed, "duplicate-referrals")
    n_dups = len(dups.agency)
    refer_d = ~dups.rejected & (rng.random(n_dups) < _REFER[dups.agency]) & (dups.triaged <= t_end)
    hops_b = referral_chains(rng, dups, refer_d, np.full(n_dups, -1), t_end)

    cases = Cases.concat(base, dups)
    hops = Hops(
        pl.concat([hops_a.frame, hops_b.frame.with_columns(pl.col("case") + n_orig)]),
        np.concatenate([hops_a.first_sent, hops_b.first_sent]),
        np.concatenate([hops_a.last_activity, hops_b.last_activity]),
        np.concatenate([hops_a.dangling, hops_b.dangling]),
    )
    actions = takedown_requests(stream(seed, "actions"), cases, t_end)
    closed = closing(stream(seed, "closing"), cases, hops, actions, t_end)
    enforced = actions.filter(pl.col("action") < len(ENFORCEMENT)).group_by("case").agg(pl.col("responded").min())
    first_enforced = np.full(len(cases.agency), NEVER, dtype=np.int64)
    first_enforced[enforced["case"].to_numpy()] = enforced["responded"].to_numpy()
    status = status_at(t_end, cases.triaged, hops.first_sent, first_enforced, closed, cases.rejected)
    # Corrections: a few cases first exported while still in progress, then again once closed.
    detected_month_end = month_end_of(cases.detected)
    candidates = np.flatnonzero((closed < NEVER) & (closed > detected_month_end) & (cases.triaged <= t_end))
    rng = stream(seed, "corrections")
    n_corr = min(max(3, round(0.0015 * len(cases.agency))), len(candidates))
    corrected = np.zeros(len(cases.agency), dtype=bool)
    corrected[rng.choice(candidates, n_corr, replace=False)] = True
    earlier = status_at(detected_month_end, cases.triaged, hops.first_sent, first_enforced, closed, cases.rejected)

    frame = pl.DataFrame(
        {
            "agency": cases.agency,
            "category": cases.category,
            "platform": cases.platform,
            "severity": cases.severity,
            "reach": cases.reach,
            "item": cases.item,
            "poster": cases.poster,
            "detected": cases.detected,
            "triaged": np.where(cases.triaged <= t_end, cases.triaged, NEVER),
            "closed": closed,
            "status": status,
            "origin": cases.origin,
            "linked": cases.linked,
            "corrected": corrected,
            "earlier_status": earlier,
            "earlier_cutoff": detected_month_end,
        }
    ).with_row_index("case")
    hops_frame = hops.frame.join(frame.select("case", "agency", "detected"), on="case").sort("sent", "case", "hop")
    actions = actions.join(frame.select("case", "agency", "platform"), on="case").sort("requested", "case")
    items = item_urls(stream(seed, "items"), base.platform, base.category).with_row_index("item")
    facts = {
        "original_cases": n_orig,
        "duplicate_cases": int(n_dups),
        "duplicates_linked_by_referral": int(dups.linked.sum()),
        "items": n_orig,
        "referral_chains": int(refer.sum() + refer_d.sum()),
        "ping_pong_hops": int(_ping_pong_count(hops_frame)),
        "unacknowledged_referrals": int((hops_frame["ack"] >= NEVER).sum()),
        "open_at_end": int((closed >= NEVER).sum()),
    }
    return World(period=period, cases=frame, referrals=hops_frame, actions=actions, items=items, facts=facts)


def _ping_pong_count(hops: pl.DataFrame) -> int:
    """Hops whose receiver already held the case (the case's own agency or an earlier receiver)."""
    chains = hops.group_by("case").agg(pl.col("agency").first(), pl.col("to_agency").sort_by("hop"))
    to = [pl.col("to_agency").list.get(k, null_on_oob=True) for k in range(3)]
    return int(
        chains.select(
            ((to[1] == pl.col("agency")) | (to[1] == to[0])).fill_null(False).sum()
            + ((to[2] == pl.col("agency")) | (to[2] == to[0]) | (to[2] == to[1])).fill_null(False).sum()
        ).item()
    )
