"""Item URLs: one canonical address per reported item, and the many ways people write it down.

Every variant normalises back to the item's ``url_key`` under PRODUCT.md's URL rules (www., tracking
parameters, user-info, default ports, fragments, parameter order, case of scheme and host, ``&amp;``,
surrounding spaces and NBSP, IDN in Unicode or punycode), so cross-agency duplicates can be found.
"""

from __future__ import annotations

import idna
import numpy as np
import polars as pl

from concord.codes import PLATFORMS
from concord.demo.reference import (
    ALNUM,
    FAMILY,
    GIVEN,
    IDN_STEMS,
    LOWER_ALNUM,
    MIDDLE,
    PAGE_WORDS,
    SCAM_STEMS,
    SCAM_STEMS2,
    SCAM_TLDS,
    WEB_PATHS,
)

P = {name: i for i, name in enumerate(PLATFORMS)}


def pick(words: tuple[str, ...] | list[str], idx: np.ndarray) -> pl.Series:
    """``words[idx]`` for every index, as a string Series (gathered in Rust, not per row in Python)."""
    return pl.Series(list(words), dtype=pl.String).gather(pl.Series(idx.astype(np.int64)))


def cat(*parts: pl.Series | str) -> pl.Series:
    """The row-wise concatenation of Series and literal strings."""
    return pl.select(pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in parts])).to_series()


def random_text(rng: np.random.Generator, n: int, length: int, alphabet: np.ndarray = ALNUM) -> pl.Series:
    """``n`` random strings of ``length`` characters from ``alphabet`` (ASCII)."""
    letters = np.frombuffer("".join(alphabet.tolist()).encode("ascii"), dtype=np.uint8)
    chars = letters[rng.integers(0, len(letters), (n, length))]
    return pl.Series(np.ascontiguousarray(chars).view(f"S{length}").ravel()).cast(pl.String)


def random_digits(rng: np.random.Generator, n: int, length: int) -> pl.Series:
    """``n`` random numbers of exactly ``length`` digits (no leading zero), as text; length ≤ 18."""
    return pl.Series(rng.integers(10 ** (length - 1), 10**length, n)).cast(pl.String)


def handle_pool(rng: np.random.Generator, n: int) -> pl.Series:
    """``n`` fake Vietnamese-style account handles such as ``@nguyenvana123``."""
    digits = rng.integers(0, 10000, n)
    frame = pl.DataFrame(
        {
            "f": pick(FAMILY, rng.integers(0, len(FAMILY), n)),
            "m": pick(MIDDLE, rng.integers(0, len(MIDDLE), n)),
            "g": pick(GIVEN, rng.integers(0, len(GIVEN), n)),
            "sep": pick(("", "", ".", "_"), rng.integers(0, 4, n)),
            "d": pl.Series(digits).cast(pl.String),
            "has_d": digits < 8000,
        }
    )
    return frame.select(
        pl.concat_str(pl.lit("@"), "f", "sep", "m", "g", pl.when("has_d").then("d").otherwise(pl.lit(""))).alias(
            "handle"
        )
    )["handle"]


def _scam_domains(rng: np.random.Generator, n: int) -> tuple[pl.Series, pl.Series]:
    """A pool of ``n`` phishing/scam hosts (a few IDN) as written (Unicode) and as punycode."""
    number = pl.Series(rng.integers(1, 100, n)).cast(pl.String)
    has_number = pl.Series(rng.random(n) < 0.5)
    ascii_hosts = pl.DataFrame(
        {
            "a": pick(SCAM_STEMS, rng.integers(0, len(SCAM_STEMS), n)),
            "b": pick(SCAM_STEMS2, rng.integers(0, len(SCAM_STEMS2), n)),
            "dash": pick(("-", ""), rng.integers(0, 2, n)),
            "num": number,
            "has_num": has_number,
            "tld": pick(SCAM_TLDS, rng.integers(0, len(SCAM_TLDS), n)),
        }
    ).select(pl.concat_str("a", "dash", "b", pl.when("has_num").then("num").otherwise(pl.lit("")), pl.lit("."), "tld"))[
        :, 0
    ]
    idn_hosts = pl.DataFrame(
        {
            "s": pick(IDN_STEMS, rng.integers(0, len(IDN_STEMS), n)),
            "num": number,
            "tld": pick(("vn", "com"), rng.integers(0, 2, n)),
        }
    ).select(pl.concat_str("s", pl.lit("-"), "num", pl.lit("."), "tld"))[:, 0]
    is_idn = pl.Series(rng.random(n) < 0.06)
    hosts = pl.select(pl.when(is_idn).then(idn_hosts).otherwise(ascii_hosts)).to_series()
    # Only the few distinct IDN hosts go through Python's IDNA codec.
    puny = {h: idna.encode(h, uts46=True).decode("ascii") for h in hosts.filter(is_idn).unique().to_list()}
    ascii_form = hosts.replace_strict(puny, default=hosts) if puny else hosts
    return hosts, ascii_form


def item_urls(rng: np.random.Generator, platform: np.ndarray, category: np.ndarray) -> pl.DataFrame:
    """One canonical URL per item: scheme, host (as written), host_ascii, path, q1/q2 (sorted) and url_key."""
    n = len(platform)
    shape = rng.integers(0, 4, n)
    page = cat(pick(PAGE_WORDS, rng.integers(0, len(PAGE_WORDS), n)), random_digits(rng, n, 2))
    d15, d16, d19 = random_digits(rng, n, 15), random_digits(rng, n, 16), random_digits(rng, n, 18)
    d19 = cat("7", d19)  # TikTok and X ids are 19 digits starting with 7 or 1
    yt = random_text(rng, n, 11)
    handle = handle_pool(rng, n).str.strip_prefix("@")
    n_web = max(int((platform == P["website"]).sum()) // 5, 30)
    web_hosts, web_ascii = _scam_domains(rng, n_web)
    web_pick = pl.Series(rng.integers(0, n_web, n))
    frame = pl.DataFrame(
        {
            "platform": pl.Series(platform.astype(np.int64)),
            "shape": pl.Series(shape),
            "page": page,
            "d15": d15,
            "d16": d16,
            "d19": d19,
            "yt": yt,
            "handle": handle,
            "zalo": random_text(rng, n, 10, LOWER_ALNUM),
            "msg": pl.Series(rng.integers(10, 99999, n)).cast(pl.String),
            "web_host": web_hosts.gather(web_pick),
            "web_ascii": web_ascii.gather(web_pick),
            "web_path": pick(WEB_PATHS, rng.integers(0, len(WEB_PATHS), n)),
            "web_token": random_text(rng, n, 8, LOWER_ALNUM),
            "web_q": pl.Series(rng.integers(0, 10, n)),
            "ma": random_digits(rng, n, 6),
            "forum": pl.Series(rng.integers(1, 60, n)).cast(pl.String),
            "http": pl.Series(rng.random(n) < 0.55),
        }
    )
    plat = pl.col("platform")
    shape_, web_q = pl.col("shape"), pl.col("web_q")
    host = (
        pl.when(plat == P["facebook"])
        .then(pl.lit("facebook.com"))
        .when(plat == P["youtube"])
        .then(pl.lit("youtube.com"))
        .when(plat == P["tiktok"])
        .then(pl.lit("tiktok.com"))
        .when(plat == P["zalo"])
        .then(pl.lit("zalo.me"))
        .when(plat == P["telegram"])
        .then(pl.lit("t.me"))
        .when(plat == P["x"])
        .then(pl.lit("x.com"))
        .when(plat == P["website"])
        .then(pl.col("web_host"))
        .when(shape_ <= 1)
        .then(pl.lit("instagram.com"))
        .when(shape_ == 2)
        .then(pl.concat_str(pl.lit("diendan"), "forum", pl.lit(".vn")))
        .otherwise(pl.concat_str(pl.lit("muaban"), "forum", pl.lit(".vn")))
    )
    path = (
        pl.when(plat == P["facebook"])
        .then(
            pl.when(shape_ == 0)
            .then(pl.concat_str(pl.lit("/"), "page", pl.lit("/posts/"), "d16"))
            .when(shape_ == 1)
            .then(pl.lit("/permalink.php"))
            .when(shape_ == 2)
            .then(pl.concat_str(pl.lit("/groups/"), "d15", pl.lit("/posts/"), "d16"))
            .otherwise(pl.concat_str(pl.lit("/reel/"), "d15"))
        )
        .when(plat == P["youtube"])
        .then(pl.when(shape_ <= 1).then(pl.lit("/watch")).otherwise(pl.concat_str(pl.lit("/shorts/"), "yt")))
        .when(plat == P["tiktok"])
        .then(pl.concat_str(pl.lit("/@"), "handle", pl.lit("/video/"), "d19"))
        .when(plat == P["zalo"])
        .then(
            pl.when(shape_ <= 1).then(pl.concat_str(pl.lit("/g/"), "zalo")).otherwise(pl.concat_str(pl.lit("/"), "d16"))
        )
        .when(plat == P["telegram"])
        .then(pl.concat_str(pl.lit("/"), "page", pl.lit("/"), "msg"))
        .when(plat == P["x"])
        .then(pl.concat_str(pl.lit("/"), "handle", pl.lit("/status/"), "d19"))
        .when(plat == P["website"])
        .then(pl.when(web_q == 9).then(pl.concat_str(pl.lit("/verify/"), "web_token")).otherwise("web_path"))
        .when(shape_ <= 1)
        .then(pl.concat_str(pl.lit("/p/"), "yt"))
        .when(shape_ == 2)
        .then(pl.concat_str(pl.lit("/threads/"), "page", pl.lit("."), "msg"))
        .otherwise(pl.concat_str(pl.lit("/product/"), "msg", pl.lit("/"), "d15"))
    )
    # Query parameters in sorted order (q1 < q2), as the url_key has them.
    q1 = (
        pl.when((plat == P["facebook"]) & (shape_ == 1))
        .then(pl.concat_str(pl.lit("id="), "d15"))
        .when((plat == P["youtube"]) & (shape_ <= 1))
        .then(pl.concat_str(pl.lit("v="), "yt"))
        .when((plat == P["website"]) & web_q.is_between(3, 4))
        .then(pl.concat_str(pl.lit("id="), "ma"))
        .when((plat == P["website"]) & (web_q == 5))
        .then(pl.concat_str(pl.lit("ma="), "ma"))
        .when((plat == P["website"]) & (web_q == 6))
        .then(pl.concat_str(pl.lit("ref="), "web_token"))
    )
    q2 = (
        pl.when((plat == P["facebook"]) & (shape_ == 1))
        .then(pl.concat_str(pl.lit("story_fbid="), "d16"))
        .when((plat == P["website"]) & web_q.is_between(3, 4))
        .then(pl.concat_str(pl.lit("token="), "web_token"))
    )
    items = frame.select(
        scheme=pl.when((plat == P["website"]) & pl.col("http")).then(pl.lit("http")).otherwise(pl.lit("https")),
        host=host,
        host_ascii=pl.when(plat == P["website"]).then(pl.col("web_ascii")),
        path=path,
        q1=q1,
        q2=q2,
    ).with_columns(host_ascii=pl.coalesce("host_ascii", "host"))
    return items.with_columns(
        is_idn=pl.col("host") != pl.col("host_ascii"),
        url_key=pl.concat_str(
            "host_ascii",
            "path",
            pl.when(pl.col("q1").is_not_null())
            .then(pl.concat_str(pl.lit("?"), pl.concat_str("q1", "q2", separator="&", ignore_nulls=True)))
            .otherwise(pl.lit("")),
        ),
    )


_TRACKING = (
    "utm_source=facebook&utm_medium=social",
    "utm_source=zalo&utm_medium=chat&utm_campaign=chiase",
    "utm_source=sms",
    "fbclid=IwAR{tok}",
    "fbclid=IwZXh0{tok}",
    "gclid=Cj0K{tok}",
)
_APP_HOSTS = ("facebook.com", "youtube.com", "tiktok.com", "zalo.me", "t.me", "x.com", "instagram.com")
_USERINFO = ("user:pass@", "admin:123456@", "khach:matkhau2024@", "support@")
_FRAGMENTS = ("#binhluan", "#comments", "#top", "#p1")


def url_variants(rng: np.random.Generator, items: pl.DataFrame) -> pl.Series:
    """One written form per row of ``items`` (columns of :func:`item_urls`), each normalising to its url_key."""
    n = items.height
    if n == 0:
        return pl.Series("url", [], dtype=pl.String)

    def chance(p: float) -> pl.Series:
        return pl.Series(rng.random(n) < p)

    tok = random_text(rng, n, 16, ALNUM[:62])
    tracking = pick(_TRACKING, rng.integers(0, len(_TRACKING), n))
    flags = pl.DataFrame(
        {
            "no_scheme": chance(0.07),
            "upper_scheme": chance(0.04),
            "userinfo": chance(0.04),
            "userinfo_text": pick(_USERINFO, rng.integers(0, len(_USERINFO), n)),
            "www": chance(0.2),
            "upper_host": chance(0.05),
            "puny": chance(0.4),
            "port": chance(0.015),
            "slash": chance(0.1),
            "drop_root": chance(0.3),
            "reorder": chance(0.5),
            "track": chance(0.15),
            "track_front": chance(0.3),
            "own": chance(0.5),
            "tracking": tracking,
            "tok": tok,
            "amp": chance(0.05),
            "fragment": chance(0.03),
            "fragment_text": pick(_FRAGMENTS, rng.integers(0, len(_FRAGMENTS), n)),
            "pad": pl.Series(rng.integers(0, 60, n)),
        }
    )
    frame = pl.concat(
        [items.select("scheme", "host", "host_ascii", "path", "q1", "q2", "is_idn"), flags], how="horizontal"
    )
    no_scheme = pl.col("no_scheme")
    is_web = ~pl.col("host").is_in(_APP_HOSTS)
    scheme = (
        pl.when(no_scheme)
        .then(pl.lit(""))
        .when(pl.col("upper_scheme"))
        .then(pl.concat_str(pl.col("scheme").str.to_uppercase(), pl.lit("://")))
        .otherwise(pl.concat_str("scheme", pl.lit("://")))
    )
    userinfo = pl.when(~no_scheme & is_web & pl.col("userinfo")).then("userinfo_text").otherwise(pl.lit(""))
    can_www = ~pl.col("is_idn") & ~pl.col("host").is_in(["zalo.me", "t.me"])
    host = (
        pl.when(pl.col("is_idn") & pl.col("puny"))
        .then("host_ascii")
        .when(~pl.col("is_idn") & pl.col("upper_host"))
        .then(pl.col("host").str.to_uppercase())
        .otherwise("host")
    )
    host = (
        pl.when(can_www & pl.col("www"))
        .then(
            pl.when(pl.col("upper_host"))
            .then(pl.concat_str(pl.lit("WWW."), host))
            .otherwise(pl.concat_str(pl.lit("www."), host))
        )
        .otherwise(host)
    )
    port = (
        pl.when(~no_scheme & pl.col("port"))
        .then(pl.when(pl.col("scheme") == "https").then(pl.lit(":443")).otherwise(pl.lit(":80")))
        .otherwise(pl.lit(""))
    )
    path = (
        pl.when((pl.col("path") == "/") & pl.col("drop_root"))
        .then(pl.lit(""))
        .when((pl.col("path") != "/") & ~pl.col("path").str.contains(".", literal=True) & pl.col("slash"))
        .then(pl.concat_str("path", pl.lit("/")))
        .otherwise("path")
    )
    first = pl.when(pl.col("reorder") & pl.col("q2").is_not_null()).then("q2").otherwise("q1")
    second = pl.when(pl.col("reorder") & pl.col("q2").is_not_null()).then("q1").otherwise("q2")
    # Each app adds its own share parameter; any link may also carry utm_* or a click id.
    own = (
        pl.when(pl.col("host") == "youtube.com")
        .then(pl.lit("si={tok}"))
        .when(pl.col("host") == "instagram.com")
        .then(pl.lit("igshid={tok}"))
        .when(pl.col("host") == "facebook.com")
        .then(pl.lit("mibextid={tok}"))
        .otherwise("tracking")
    )
    chosen = pl.when(pl.col("own")).then(own).otherwise("tracking")
    track = pl.when(pl.col("track")).then(chosen.str.replace("{tok}", pl.col("tok"), literal=True))
    query = pl.concat_str(
        pl.when(pl.col("track_front")).then(track),
        first,
        second,
        pl.when(~pl.col("track_front")).then(track),
        separator="&",
        ignore_nulls=True,
    )
    # Stage the parts as columns: a part used in several branches is then computed once.
    frame = frame.with_columns(
        scheme_part=scheme, userinfo_part=userinfo, host_part=host, port_part=port, path_part=path, query=query
    )
    query = pl.col("query")
    query = (
        pl.when(pl.col("amp") & query.str.contains("&", literal=True))
        .then(query.str.replace_all("&", "&amp;", literal=True))
        .otherwise(query)
    )
    frame = frame.with_columns(query=pl.when(query != "").then(pl.concat_str(pl.lit("?"), query)).otherwise(pl.lit("")))
    fragment = pl.when(pl.col("fragment")).then("fragment_text").otherwise(pl.lit(""))
    frame = frame.with_columns(
        url=pl.concat_str("scheme_part", "userinfo_part", "host_part", "port_part", "path_part", "query", fragment)
    )
    url, pad = pl.col("url"), pl.col("pad")
    url = (
        pl.when(pad == 0)
        .then(pl.concat_str(pl.lit(" "), url, pl.lit("  ")))
        .when(pad == 1)
        .then(pl.concat_str(url, pl.lit(" ")))
        .when(pad == 2)
        .then(pl.concat_str(pl.lit("\u00a0"), url, pl.lit("\u00a0")))
        .otherwise(url)
    )
    return frame.select(url.alias("url"))["url"]
