"""Public responses: clarifications and warnings that press and verification agencies publish.

Mostly they answer widely seen health and disaster misinformation (reach ≥ 10,000), most within 48 hours
of the first report, some later; a few warn about viral scams. One response may answer up to three items
published around the same time; each answered URL is written the way the publisher copied it.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from concord.codes import CATEGORIES
from concord.demo.reference import HOUR, PUBLISHERS, RESPONSE_TITLES, RESPONSE_TOPICS
from concord.demo.urls import url_variants
from concord.demo.world import C, World, local_month, lognormal_s, stream

_PUBLISHER_CODES = tuple(PUBLISHERS)
# P(publisher | category) over TTBC, TT-KCTT, VAFC.
_PUBLISHER_MIX = {
    C["health_misinfo"]: [0.30, 0.40, 0.30],
    C["disaster_misinfo"]: [0.45, 0.35, 0.20],
    C["scam_fraud"]: [0.70, 0.30, 0.00],
    C["phishing"]: [0.70, 0.30, 0.00],
}


def response_targets(world: World, seed: int) -> pl.DataFrame:
    """Which items get a public response, by whom and when (one row per answered item)."""
    rng = stream(seed, "responses")
    items = (
        world.cases.group_by("item")
        .agg(first=pl.col("detected").min(), category=pl.col("category").first(), reach=pl.col("reach").max())
        .sort("item")
    )
    category, reach = items["category"].to_numpy(), items["reach"].to_numpy()
    misinfo = (category == C["health_misinfo"]) | (category == C["disaster_misinfo"])
    scam = (category == C["scam_fraud"]) | (category == C["phishing"])
    chance = np.select(
        [misinfo & (reach >= 10_000), misinfo & (reach >= 1_000), scam & (reach >= 50_000)], [0.75, 0.06, 0.25], 0.0
    )
    answered = rng.random(len(chance)) < chance
    n = len(chance)
    quick = np.minimum(lognormal_s(rng, 10.0, 0.8, n, floor_s=20 * 60), 47 * HOUR + 30 * 60)
    slow = 49 * HOUR + lognormal_s(rng, 40.0, 0.9, n)
    delay = np.where(rng.random(n) < 0.8, quick, slow)
    published = items["first"].to_numpy() + delay
    keep = answered & (published <= world.period.t_end)
    idx = np.flatnonzero(keep)
    publisher = np.empty(len(idx), dtype=np.int64)
    for c, probs in _PUBLISHER_MIX.items():
        mask = category[idx] == c
        publisher[mask] = rng.choice(len(_PUBLISHER_CODES), int(mask.sum()), p=probs)
    return pl.DataFrame(
        {
            "item": items["item"].to_numpy()[idx],
            "category": category[idx],
            "published": published[idx],
            "publisher": publisher,
        }
    ).sort("publisher", "category", "published", "item")


def responses(world: World, seed: int) -> pl.DataFrame:
    """Published responses: id, publisher, category, time, title, link and the URLs they answer (a list)."""
    targets = response_targets(world, seed)
    rng = stream(seed, "response-text")
    # Group items answered by one publisher about one category within six hours, at most three per response.
    group = np.zeros(targets.height, dtype=np.int64)
    key = targets.select("publisher", "category", "published").rows()
    current, size, start = 0, 0, None
    for i, (publisher, category, published) in enumerate(key):  # a few thousand responses: loop is fine
        if i == 0 or (publisher, category) != key[i - 1][:2] or published - start > 6 * HOUR or size == 3:
            current, size, start = (current + 1 if i else 0), 0, published
        group[i] = current
        size += 1
    urls = url_variants(stream(seed, "response-urls"), world.items.select(pl.all().gather(targets["item"])))
    answered = targets.with_columns(group=pl.Series(group), url=urls)
    out = (
        answered.group_by("group", maintain_order=True)
        .agg(pl.col("publisher").first(), pl.col("category").first(), pl.col("published").max(), pl.col("url"))
        .sort("published", "group")
    )
    n = out.height
    titles, topics = [], []
    category = out["category"].to_list()
    pick_title, pick_topic = rng.random(n), rng.random(n)
    for k in range(n):
        name = CATEGORIES[category[k]]
        title_options, topic_options = RESPONSE_TITLES[name], RESPONSE_TOPICS[name]
        topics.append(topic_options[int(pick_topic[k] * len(topic_options))])
        titles.append(title_options[int(pick_title[k] * len(title_options))].format(topic=topics[-1]))
    publisher = out["publisher"].to_list()
    published = out["published"].to_list()
    ids: list[str] = []
    links: list[str] = []
    counters: dict[tuple[str, str], int] = {}
    for k in range(n):
        code = _PUBLISHER_CODES[publisher[k]]
        year = str(np.datetime64(published[k] + 7 * 3600, "s").astype("datetime64[Y]"))
        counters[(code, year)] = counters.get((code, year), 0) + 1
        seq = counters[(code, year)]
        ids.append(f"{code}-{year}-{seq:05d}")
        month = str(np.datetime64(published[k] + 7 * 3600, "s").astype("datetime64[M]")).replace("-", "/")
        links.append(f"https://{PUBLISHERS[code]}/dinh-chinh/{month}/{seq:05d}")
    return out.with_columns(
        response_id=pl.Series(ids),
        publisher_code=pl.Series([_PUBLISHER_CODES[p] for p in publisher], dtype=pl.String),
        category_text=pl.Series([CATEGORIES[c] for c in category], dtype=pl.String),
        title=pl.Series(titles, dtype=pl.String),
        link=pl.Series(links, dtype=pl.String),
        month=local_month(pl.col("published")),
    )
