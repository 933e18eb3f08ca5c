"""From simulated events to the rows agencies actually export: ids, codes as text, handles, notes, URLs.

Each frame keeps its timestamps as epoch seconds (formatted per file by the writers) plus ``month``
(the file it lands in), ``order`` (its position in that file) and the columns the defects may use to
override a value with raw text (``*_raw``).
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from concord.codes import ACTIONS, CATEGORIES, OUTCOMES, PLATFORMS, STATUSES
from concord.demo.reference import AGENCIES, EMAIL_DOMAINS, GENERIC_NOTES, NOTES, PII_TEMPLATES
from concord.demo.urls import cat, handle_pool, pick, random_digits, url_variants
from concord.demo.world import NEVER, World, local_month, stream

_CODES = tuple(a.code for a in AGENCIES)
_PROVINCES = ("01", "79", "48", "92", "75", "31")  # first digits of a citizen ID: the province of birth
_SEVERITY_DIGIT = ("1", "2", "3", "4")
_SEVERITY_EN = ("low", "medium", "high", "critical")
_SEVERITY_VI = ("thấp", "trung bình", "cao", "nghiêm trọng")


def null_never(column: str) -> pl.Expr:
    """An epoch column with the NEVER marker as null."""
    return pl.when(pl.col(column) < NEVER).then(pl.col(column)).alias(column)


def case_id_expr(agency: pl.Expr, seq: pl.Expr, detected: pl.Expr) -> pl.Expr:
    """Case numbers in the agency's own style; unique per agency because ``seq`` is."""
    local = pl.from_epoch(detected + 7 * 3600, time_unit="s")
    year, yymm = local.dt.strftime("%Y"), local.dt.strftime("%y%m")
    styles = pl.lit(pl.Series([a.id_style for a in AGENCIES])).gather(agency)
    s6, s7 = seq.cast(pl.String).str.zfill(6), seq.cast(pl.String).str.zfill(7)
    code = pl.lit(pl.Series(_CODES)).gather(agency)
    return (
        pl.when(styles == 0)
        .then(pl.concat_str(code, pl.lit("-"), year, pl.lit("-"), s6))
        .when(styles == 1)
        .then(pl.concat_str(yymm, s7))
        .when(styles == 2)
        .then(pl.concat_str(pl.lit("VV"), s6, pl.lit("/"), year))
        .otherwise(pl.concat_str(pl.lit("HS-"), year, pl.lit("-"), s6))
    )


def _cased(text: pl.Expr, style: pl.Expr) -> pl.Expr:
    """Text as people type it: lower (0), Capitalised (1) or UPPER (2)."""
    capitalised = pl.concat_str(text.str.slice(0, 1).str.to_uppercase(), text.str.slice(1))
    return pl.when(style == 1).then(capitalised).when(style == 2).then(text.str.to_uppercase()).otherwise(text)


def _template(template: str, fields: dict[str, pl.Expr]) -> pl.Expr:
    """A ``{field}`` template filled from expressions."""
    parts = [p for p in re.split(r"(\{\w+\})", template) if p]
    return pl.concat_str([fields[p[1:-1]] if p.startswith("{") else pl.lit(p) for p in parts])


def _notes(rng: np.random.Generator, category: np.ndarray, handles: pl.Series) -> pl.Series:
    """Free-text notes in Vietnamese; about one in eight carries an e-mail, phone or ID number to scrub."""
    n = len(category)
    flat = [note for c in CATEGORIES for note in NOTES[c]]
    offset = np.cumsum([0] + [len(NOTES[c]) for c in CATEGORIES])[:-1]
    count = np.array([len(NOTES[c]) for c in CATEGORIES])
    specific = offset[category] + (rng.random(n) * count[category]).astype(np.int64)
    local = handles.str.strip_prefix("@").fill_null("nguoidan")
    frame = pl.DataFrame(
        {
            "specific": pick(flat, specific),
            "generic": pick(GENERIC_NOTES, rng.integers(0, len(GENERIC_NOTES), n)),
            "use_generic": rng.random(n) < 0.3,
            "empty": rng.random(n) < 0.25,
            "pii": pl.Series(np.where(rng.random(n) < 0.12, rng.integers(0, len(PII_TEMPLATES), n), -1)),
            "email": cat(local, "@", pick(EMAIL_DOMAINS, rng.integers(0, len(EMAIL_DOMAINS), n))),
            "phone": cat("0", pick(("3", "5", "7", "8", "9"), rng.integers(0, 5, n)), random_digits(rng, n, 8)),
            "intl_a": random_digits(rng, n, 3).str.slice(1),
            "intl_b": random_digits(rng, n, 3),
            "intl_c": random_digits(rng, n, 3),
            "id12": cat("0", pick(_PROVINCES, rng.integers(0, len(_PROVINCES), n)), random_digits(rng, n, 9)),
        }
    )
    fields = {
        "email": pl.col("email"),
        "phone": pl.col("phone"),
        "phone_intl": pl.concat_str(pl.lit("+84 9"), "intl_a", pl.lit(" "), "intl_b", pl.lit(" "), "intl_c"),
        "id12": pl.col("id12"),
    }
    pii = pl.lit(None, dtype=pl.String)
    for k, template in enumerate(PII_TEMPLATES):
        pii = pl.when(pl.col("pii") == k).then(_template(template, fields)).otherwise(pii)
    text = pl.when(pl.col("use_generic")).then("generic").otherwise("specific")
    note = pl.concat_str(text, pl.concat_str(pl.lit(" "), pii), ignore_nulls=True)
    return frame.select(pl.when(~pl.col("empty") | pii.is_not_null()).then(note).alias("notes"))["notes"]


def case_rows(world: World, seed: int) -> pl.DataFrame:
    """The cases as exported, one row per case plus the earlier row of each corrected case."""
    rng = stream(seed, "case-text")
    cases = world.cases
    n = cases.height
    cases = cases.with_columns(seq=pl.col("detected").rank("ordinal").over("agency").cast(pl.Int64))
    poster = cases["poster"].to_numpy()
    posters = handle_pool(stream(seed, "posters"), int(poster.max(initial=0)) + 1)
    handles = pl.select(
        pl.when(pl.Series(poster >= 0)).then(posters.gather(pl.Series(np.maximum(poster, 0))))
    ).to_series()
    urls = url_variants(stream(seed, "case-urls"), world.items.select(pl.all().gather(cases["item"])))
    severity_style = rng.random(n)
    severity = cases["severity"].to_numpy() - 1
    text = pl.DataFrame(
        {
            "url": urls,
            "account_handle": handles,
            "notes": _notes(rng, cases["category"].to_numpy(), handles),
            "sev_digit": pick(_SEVERITY_DIGIT, severity),
            "sev_en": pick(_SEVERITY_EN, severity),
            "sev_vi": pick(_SEVERITY_VI, severity),
            "sev_kind": pl.Series(np.select([severity_style < 0.5, severity_style < 0.75], [0, 1], 2)),
            "sev_case": pl.Series(rng.choice(3, n, p=[0.7, 0.2, 0.1])),
            "plat_case": pl.Series(rng.choice(3, n, p=[0.5, 0.35, 0.15])),
        }
    )
    frame = pl.concat([cases, text], how="horizontal").with_columns(
        case_id=case_id_expr(pl.col("agency"), pl.col("seq"), pl.col("detected")),
        agency_code=pl.lit(pl.Series(_CODES)).gather(pl.col("agency")),
        platform_text=_cased(pl.lit(pl.Series(PLATFORMS)).gather(pl.col("platform")), pl.col("plat_case")),
        category_text=pl.lit(pl.Series(CATEGORIES)).gather(pl.col("category")),
        severity_text=pl.when(pl.col("sev_kind") == 0)
        .then("sev_digit")
        .when(pl.col("sev_kind") == 1)
        .then(_cased(pl.col("sev_en"), pl.col("sev_case")))
        .otherwise(_cased(pl.col("sev_vi"), (pl.col("sev_case") >= 1).cast(pl.Int64))),
        reach_value=pl.when(pl.col("reach") >= 0).then(pl.col("reach")),
    )
    common = [
        "case",
        "case_id",
        "agency",
        "seq",
        "agency_code",
        "detected",
        "url",
        "platform_text",
        "category_text",
        "severity_text",
        "reach_value",
        "account_handle",
        "notes",
        "item",
    ]
    final = frame.select(
        *common,
        pl.col("status"),
        null_never("triaged"),
        null_never("closed"),
        month=pl.when(pl.col("corrected"))
        .then(local_month(pl.col("closed")))
        .otherwise(local_month(pl.col("detected"))),
        order=pl.when(pl.col("corrected")).then(pl.col("closed")).otherwise(pl.col("detected")),
        correction=pl.col("corrected"),
    )
    earlier = frame.filter(pl.col("corrected")).select(
        *common,
        pl.col("earlier_status").alias("status"),
        pl.when(pl.col("triaged") <= pl.col("earlier_cutoff")).then(pl.col("triaged")).alias("triaged"),
        pl.lit(None, dtype=pl.Int64).alias("closed"),
        month=local_month(pl.col("detected")),
        order=pl.col("detected"),
        correction=pl.lit(False),
    )
    rows = pl.concat([final, earlier]).with_columns(
        status=pl.lit(pl.Series(STATUSES)).gather(pl.col("status")),
        superseded=pl.col("case").is_in(earlier["case"].implode()) & ~pl.col("correction"),
    )
    return rows.with_columns(
        detected_raw=pl.lit(None, dtype=pl.String),
        triaged_raw=pl.lit(None, dtype=pl.String),
        reach_raw=pl.lit(None, dtype=pl.String),
        bad_kind=pl.lit(None, dtype=pl.String),
    ).sort("month", "order", "case")


def referral_rows(world: World, cases: pl.DataFrame) -> pl.DataFrame:
    """Hand-offs as JSON Lines records (one per hop), in the month they were sent."""
    ids = cases.filter(~pl.col("superseded")).select("case", "case_id", "agency_code")
    hops = world.referrals.join(ids, on="case").sort("sent", "case", "hop")  # joins do not keep row order
    codes = pl.lit(pl.Series(_CODES))
    return hops.with_row_index("n").select(
        pl.col("case"),
        referral_id=pl.concat_str(
            pl.lit("RF-"),
            local_month(pl.col("sent")).str.replace("-", ""),
            pl.lit("-"),
            (pl.col("n") + 1).cast(pl.String).str.zfill(6),
        ),
        case_agency=pl.col("agency_code"),
        case_id=pl.col("case_id"),
        from_agency=codes.gather(pl.col("from_agency")),
        to_agency=codes.gather(pl.col("to_agency")),
        sent=pl.col("sent"),
        ack=null_never("ack"),
        completed=null_never("completed"),
        outcome=pl.when(pl.col("outcome") >= 0).then(pl.lit(pl.Series(OUTCOMES)).gather(pl.col("outcome").clip(0))),
        month=local_month(pl.col("sent")),
        order=pl.col("sent"),
        sent_raw=pl.lit(None, dtype=pl.String),
        line_raw=pl.lit(None, dtype=pl.String),
        bad_kind=pl.lit(None, dtype=pl.String),
    )


def action_rows(world: World, cases: pl.DataFrame) -> pl.DataFrame:
    """Takedown requests and answers, in the month they were requested."""
    ids = cases.filter(~pl.col("superseded")).select("case", "case_id", "agency_code")
    actions = world.actions.join(ids, on="case").sort("requested", "case")
    return actions.with_row_index("n").select(
        pl.col("case"),
        request_id=pl.concat_str(
            pl.lit("YC-"),
            local_month(pl.col("requested")).str.slice(0, 4),
            pl.lit("-"),
            (pl.col("n") + 1).cast(pl.String).str.zfill(7),
        ),
        case_agency=pl.col("agency_code"),
        case_id=pl.col("case_id"),
        platform=pl.lit(pl.Series(PLATFORMS)).gather(pl.col("platform")),
        requested=pl.col("requested"),
        responded=null_never("responded"),
        action=pl.lit(pl.Series(ACTIONS)).gather(pl.col("action")),
        month=local_month(pl.col("requested")),
        order=pl.col("requested"),
        requested_raw=pl.lit(None, dtype=pl.String),
        bad_kind=pl.lit(None, dtype=pl.String),
    )
