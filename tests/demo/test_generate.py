"""The demo generator: deterministic, every file readable as declared, the manifest true to the files.

Most tests share one ``tiny`` inbox (about 2,000 cases, every file kind); the world-level tests simulate
``small`` in memory, which takes well under a second.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import idna
import numpy as np
import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.demo import SCALES, generate
from concord.demo.defects import CASE_KINDS, bad_cases
from concord.demo.reference import CASE_COLUMNS, CASE_HEADERS_VI, REFERRAL_COLUMNS
from concord.demo.rows import action_rows, case_rows, referral_rows
from concord.demo.urls import item_urls, url_variants
from concord.demo.world import NEVER, Period, simulate

END = date(2026, 10, 31)
LOCAL = timezone(timedelta(hours=7))
LIMIT = datetime(2026, 10, 31, 23, 59, tzinfo=LOCAL)  # no good timestamp may be later
NAMESPACE = "urn:concord:rss:1"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("inbox")
    return root, generate(root, scale="tiny", seed=1, end=END)


@pytest.fixture(scope="module")
def small_world():
    return simulate(SCALES["small"], 7, Period.ending(END))


# --- reading the files back, independently of the generator's code -------------------------------------

_CANONICAL = {
    **{c.replace("_", " "): c for c in CASE_COLUMNS},
    **{h.lower(): c for h, c in zip(CASE_HEADERS_VI, CASE_COLUMNS, strict=True)},
}


def canonical_header(header: str) -> str | None:
    """A header as the spec allows it (any case, spacing, NFC or NFD) → the English column name."""
    key = " ".join(unicodedata.normalize("NFC", header).replace("_", " ").split()).lower()
    return _CANONICAL.get(key)


def decode(path: Path, encoding: str) -> str:
    data = path.read_bytes()
    return data.decode({"utf-16": "utf-16", "utf-8-sig": "utf-8-sig"}.get(encoding, encoding))


def read_cases(root: Path, entry: dict) -> pl.DataFrame:
    """A case file as text columns with canonical names; XLSX date cells become local ISO text."""
    path = root / entry["path"]
    if entry["format"] == "xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        values = [
            [v.isoformat() if isinstance(v, datetime) else None if v is None else str(v) for v in row] for row in rows
        ]
        headers, body = values[0], values[1:]
        frame = pl.DataFrame(body, schema=[str(h) for h in headers], orient="row")
    else:
        text = unicodedata.normalize("NFC", decode(path, entry["encoding"]))
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), infer_schema=False)
    return frame.rename({h: canonical_header(h) or h for h in frame.columns})


def parse_ts(value: str | None) -> datetime | None:
    """A timestamp as the spec allows it (agency sources: no offset means local time); ValueError if junk."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?", text)
    if m:
        day, month, year, hour, minute, second = (int(g or 0) for g in m.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=LOCAL)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL)


def try_ts(value: str | None) -> datetime | None:
    try:
        return parse_ts(value)
    except ValueError:
        return None


TRACKING = {"fbclid", "gclid", "igshid", "mibextid", "si"}


def reference_url_key(raw: str) -> str:
    """PRODUCT.md's URL rules, written independently of the generator."""
    text = raw.strip(" \t\r\n\u00a0\u200b\ufeff")
    text = html.unescape(text) if "&" in text else text
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        text = "http://" + text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if not host.isascii():
        host = idna.encode(host, uts46=True).decode("ascii")
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    host = host.removeprefix("www.")
    path = parts.path if parts.path not in ("", "/") else "/"
    path = path.rstrip("/") or "/"
    params = [p for p in parts.query.split("&") if p]
    kept = sorted(p for p in params if not (p.split("=")[0].lower().startswith("utm_") or p.split("=")[0] in TRACKING))
    return host + port + path + ("?" + "&".join(kept) if kept else "")


def files_of(manifest: dict, source: str) -> list[dict]:
    return [f for f in manifest["files"] if f["source"] == source]


# --- determinism and files -------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(inbox: tuple[Path, dict], tmp_path: Path) -> None:
    _, manifest = inbox
    again = generate(tmp_path / "again", scale="tiny", seed=1, end=END)
    other = generate(tmp_path / "other", scale="tiny", seed=2, end=END)
    hashes = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert {f["path"]: f["sha256"] for f in again["files"]} == hashes
    assert again == manifest
    # A different seed gives different data (agencies.yaml is reference data and stays the same).
    differs = [f["path"] for f in other["files"] if hashes.get(f["path"]) != f["sha256"]]
    assert len(differs) >= len(hashes) - 1


def test_manifest_file_equals_returned_manifest(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    assert json.loads((root / "manifest.json").read_text("utf-8")) == manifest
    assert (manifest["scale"], manifest["seed"], manifest["end"]) == ("tiny", 1, "2026-10-31")
    assert manifest["period"]["latest_good_timestamp"] == "2026-10-31T23:59:00+07:00"


def test_every_listed_file_exists_with_its_hash(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    for f in manifest["files"]:
        assert hashlib.sha256((root / f["path"]).read_bytes()).hexdigest() == f["sha256"], f["path"]


def test_tiny_has_every_file_kind_and_every_month(inbox: tuple[Path, dict]) -> None:
    _, manifest = inbox
    kinds = {(f["source"], f["format"], f["encoding"]) for f in manifest["files"]}
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "cp1258"):
        assert ("cases", "csv", encoding) in kinds
    assert sum(f["format"] == "xlsx" for f in files_of(manifest, "cases")) == 2
    assert {f["format"] for f in files_of(manifest, "public_responses")} == {"rss", "atom"}
    months = [f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, k) for k in range(1, 11)]]
    for source, pattern in [("cases", "cases/cases_{}."), ("referrals", "referrals/referrals_{}.jsonl"),
                            ("platform_actions", "platform_actions/platform_actions_{}.csv")]:  # fmt: skip
        paths = [f["path"] for f in files_of(manifest, source)]
        assert all(any(p.startswith(pattern.format(m)) for p in paths) for m in months), source


def test_files_decode_with_their_declared_encoding(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    for f in manifest["files"]:
        data = (root / f["path"]).read_bytes()
        if f["encoding"] == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
        elif f["encoding"] == "utf-16":
            assert data.startswith(b"\xff\xfe")
            data.decode("utf-16")
        elif f["encoding"] == "cp1258":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")  # really legacy bytes, not UTF-8 in disguise
            assert "Đ" in unicodedata.normalize("NFC", data.decode("cp1258"))
        elif f["encoding"] == "utf-8":
            assert not data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")
        else:
            assert f["format"] == "xlsx" and data.startswith(b"PK")


def test_case_headers_come_in_mixed_forms_and_all_map_to_the_spec(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    styles = set()
    for f in files_of(manifest, "cases"):
        path = root / f["path"]
        if f["format"] == "xlsx":
            raw = list(next(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)))
        else:
            raw = pl.read_csv(io.StringIO(decode(path, f["encoding"])), n_rows=0).columns
        nfc = [unicodedata.normalize("NFC", h) for h in raw]
        assert nfc == [unicodedata.normalize("NFC", h) for h in f["columns"]], f["path"]
        assert sorted(canonical_header(h) or "?" for h in raw) == sorted(CASE_COLUMNS), f["path"]
        assert sorted(read_cases(root, f).columns) == sorted(CASE_COLUMNS), f["path"]
        styles.add(f["header_style"])
    assert {"en", "vi", "en_upper", "vi_upper", "en_spaced", "vi_spaced", "vi_nfd"} <= styles
    orders = {tuple(canonical_header(h) for h in f["columns"]) for f in files_of(manifest, "cases")}
    assert len(orders) > 1  # column order varies between files
    nfd = next(f for f in files_of(manifest, "cases") if f["header_style"] == "vi_nfd")
    first_line = decode(root / nfd["path"], nfd["encoding"]).splitlines()[0]
    assert first_line == unicodedata.normalize("NFD", first_line) != unicodedata.normalize("NFC", first_line)
    upper = next(f for f in files_of(manifest, "cases") if f["header_style"] == "vi_upper")
    assert "MÃ VỤ VIỆC" in unicodedata.normalize("NFC", decode(root / upper["path"], "cp1258"))


# --- the manifest tells the truth ------------------------------------------------------------------------


def count_rows(root: Path, f: dict) -> int:
    path = root / f["path"]
    if f["source"] == "cases":
        return read_cases(root, f).height
    if f["format"] == "jsonl":
        return len(path.read_text("utf-8").splitlines())
    if f["format"] in ("rss", "atom"):
        tree = ET.parse(path).getroot()
        return len(tree.findall("./channel/item")) + len(tree.findall(f"{ATOM}entry"))
    if f["format"] == "yaml":
        import yaml

        return len(yaml.safe_load(path.read_text("utf-8")))
    return pl.read_csv(path, infer_schema=False).height


def test_manifest_row_counts_match_the_files(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    for f in manifest["files"]:
        assert count_rows(root, f) == f["rows"], f["path"]
    for source, totals in manifest["sources"].items():
        mine = files_of(manifest, source)
        assert totals["files"] == len(mine)
        assert totals["rows"] == sum(f["rows"] for f in mine)
        assert totals["rows"] == totals["good_rows"] + totals["bad_rows"]
        assert totals["bad_rows"] == sum(manifest["bad_rows"][source].values()) == sum(f["bad_rows"] for f in mine)
    assert manifest["sources"]["agencies"]["rows"] == 25
    cases = manifest["sources"]["cases"]
    assert cases["good_rows"] == cases["distinct_case_keys"] + cases["corrections"]
    assert abs(cases["distinct_case_keys"] - SCALES["tiny"]) < 0.1 * SCALES["tiny"]


def test_bad_share_is_as_requested_with_every_kind(inbox: tuple[Path, dict]) -> None:
    _, manifest = inbox
    for source in ("cases", "referrals", "platform_actions"):
        totals = manifest["sources"][source]
        assert totals["bad_rows"] / totals["rows"] == pytest.approx(0.01, abs=0.004), source
        assert all(n >= 1 for n in manifest["bad_rows"][source].values()), source
    assert manifest["sources"]["public_responses"]["bad_rows"] == 0
    assert set(manifest["bad_rows"]["cases"]) == set(CASE_KINDS)


def test_no_bad_rows_when_the_share_is_zero(tmp_path: Path) -> None:
    manifest = generate(tmp_path, scale="tiny", seed=3, end=END, bad_share=0.0)
    assert all(totals["bad_rows"] == 0 for totals in manifest["sources"].values())


def test_only_the_deliberate_future_rows_lie_after_end(inbox: tuple[Path, dict]) -> None:
    """Every timestamp after `end` 23:59 local belongs to a `future_timestamp` bad row, and vice versa."""
    root, manifest = inbox
    late: Counter[str] = Counter()
    for f in files_of(manifest, "cases"):
        frame = read_cases(root, f)
        for row in frame.select("detected_at", "triaged_at", "closed_at").iter_rows():
            late["cases"] += any((t := try_ts(v)) is not None and t > LIMIT for v in row)
    for f in files_of(manifest, "platform_actions"):
        frame = pl.read_csv(root / f["path"], infer_schema=False)
        for row in frame.select("requested_at", "responded_at").iter_rows():
            late["platform_actions"] += any((t := try_ts(v)) is not None and t > LIMIT for v in row)
    for f in files_of(manifest, "referrals"):
        for line in (root / f["path"]).read_text("utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            times = [try_ts(record[k]) for k in ("sent_at", "acknowledged_at", "completed_at")]
            late["referrals"] += any(t is not None and t > LIMIT for t in times)
    for source in ("cases", "referrals", "platform_actions"):
        assert late[source] == manifest["bad_rows"][source]["future_timestamp"] > 0, source
    for f in files_of(manifest, "public_responses"):
        for el in ET.parse(root / f["path"]).getroot().iter():
            if el.tag == "pubDate":
                assert parsedate_to_datetime(el.text or "") <= LIMIT
            elif el.tag == f"{ATOM}published":
                assert datetime.fromisoformat(el.text or "") <= LIMIT


def test_timestamps_severities_and_platforms_come_in_mixed_forms(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    shapes: Counter[str] = Counter()
    severities: set[str] = set()
    platforms: set[str] = set()
    excel = 0
    patterns = {
        "iso_offset": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00",
        "iso_z": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
        "iso_local": r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d",
        "dmy_hm": r"\d\d/\d\d/\d{4} \d\d:\d\d",
        "dmy_hms": r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d",
    }
    for f in files_of(manifest, "cases"):
        frame = read_cases(root, f)
        if f["format"] == "xlsx":
            sheet = openpyxl.load_workbook(root / f["path"], read_only=True).worksheets[0]
            excel += sum(isinstance(v, datetime) for row in sheet.iter_rows(values_only=True) for v in row)
            continue
        for value in frame["detected_at"].drop_nulls().to_list():
            shapes.update(k for k, p in patterns.items() if re.fullmatch(p, value))
        severities |= set(frame["severity"].drop_nulls().to_list())
        platforms |= set(frame["platform"].drop_nulls().to_list())
    assert all(shapes[k] > 0 for k in patterns), shapes
    assert excel > 100  # real Excel date cells
    assert {"1", "2", "3", "4"} <= severities
    assert {s.lower() for s in severities} >= {"low", "medium", "high", "critical", "thấp", "trung bình", "cao"}
    assert {"facebook", "Facebook", "FACEBOOK"} & platforms == {"facebook", "Facebook", "FACEBOOK"}


def test_corrections_repeat_a_case_key_later_with_the_closed_state(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    seen: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for i, f in enumerate(files_of(manifest, "cases")):
        for row in read_cases(root, f).iter_rows(named=True):
            if row["case_id"] and row["agency_code"]:
                seen.setdefault((row["agency_code"], row["case_id"]), []).append((i, row))
    repeated = {k: v for k, v in seen.items() if len(v) > 1}
    assert len(repeated) == manifest["sources"]["cases"]["corrections"] >= 3
    for rows in repeated.values():
        (first_file, first), (later_file, later) = rows
        assert later_file > first_file
        assert first["closed_at"] is None and first["status"] in ("open", "triaged", "referred", "actioned")
        assert later["closed_at"] is not None and later["status"] in ("closed", "rejected")


def test_feeds_parse_with_responds_to_in_the_concord_namespace(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    for f in files_of(manifest, "public_responses"):
        raw = (root / f["path"]).read_text("utf-8")
        assert 'xmlns:cc="urn:concord:rss:1"' in raw
        tree = ET.fromstring(raw)
        entries = tree.findall("./channel/item") if f["format"] == "rss" else tree.findall(f"{ATOM}entry")
        assert len(entries) == f["rows"] > 0
        targets = [el for e in entries for el in e.findall(f"{{{NAMESPACE}}}respondsTo")]
        assert all(e.findall(f"{{{NAMESPACE}}}respondsTo") for e in entries)
        assert len(targets) == f["responds_to"]
        if f["format"] == "rss":
            assert tree.tag == "rss" and tree.get("version") == "2.0"
            assert all(e.findtext("guid") and e.findtext("pubDate") and e.findtext("title") for e in entries)
        else:
            assert tree.tag == f"{ATOM}feed"
            assert all(e.findtext(f"{ATOM}id") and e.findtext(f"{ATOM}published") for e in entries)


def test_responses_answer_urls_of_reported_cases(inbox: tuple[Path, dict]) -> None:
    """Each answered URL, however it is written, normalises to the url_key of a case."""
    root, manifest = inbox
    case_keys = set()
    for f in files_of(manifest, "cases"):
        case_keys |= {reference_url_key(u) for u in read_cases(root, f)["url"].drop_nulls().to_list()}
    answered = [
        el.text or ""
        for f in files_of(manifest, "public_responses")
        for el in ET.parse(root / f["path"]).getroot().iter(f"{{{NAMESPACE}}}respondsTo")
    ]
    assert answered and all(reference_url_key(u) in case_keys for u in answered)


def test_referral_lines_are_json_objects_except_the_malformed_ones(inbox: tuple[Path, dict]) -> None:
    root, manifest = inbox
    broken = 0
    for f in files_of(manifest, "referrals"):
        for line in (root / f["path"]).read_text("utf-8").splitlines():
            try:
                assert tuple(json.loads(line)) == REFERRAL_COLUMNS
            except json.JSONDecodeError:
                broken += 1
    assert broken == manifest["bad_rows"]["referrals"]["malformed_json"]


def test_agencies_are_a_yaml_list_with_vietnamese_names_in_nfc(inbox: tuple[Path, dict]) -> None:
    import yaml

    root, _ = inbox
    agencies = yaml.safe_load((root / "agencies" / "agencies.yaml").read_text("utf-8"))
    codes = {a["agency_code"] for a in agencies}
    assert len(codes) == len(agencies) == 25
    assert all(a["name"] == unicodedata.normalize("NFC", a["name"]) for a in agencies)
    assert {a["tier"] for a in agencies} == {"national", "city", "district", "ward"}
    assert {a["role"] for a in agencies} == {
        "coordination", "detection", "enforcement", "telecom", "press", "verification", "sector",
    }  # fmt: skip
    assert all(a["parent_code"] is None or a["parent_code"] in codes for a in agencies)
    assert "Sở Thông tin và Truyền thông" in {a["name"] for a in agencies}


def test_default_end_is_todays_utc_date(tmp_path: Path) -> None:
    manifest = generate(tmp_path, scale="tiny", seed=5)
    assert manifest["end"] == datetime.now(UTC).date().isoformat()


# --- the simulated world ---------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_url_variant_normalises_to_its_item_key(seed: int) -> None:
    rng = np.random.default_rng(seed)
    items = item_urls(rng, rng.integers(0, 8, 300), rng.integers(0, 8, 300))
    variants = url_variants(rng, items)
    assert [reference_url_key(u) for u in variants.to_list()] == items["url_key"].to_list()


def test_variants_include_the_awkward_forms(small_world) -> None:
    urls = url_variants(np.random.default_rng(1), small_world.items)
    text = "\n".join(urls.to_list())
    for needle in ("www.", "utm_", "fbclid=", "&amp;", ":pass@", "\u00a0", "HTTPS://", "xn--", "#"):
        assert needle in text, needle
    assert any(not u.isascii() and "://" in u for u in urls.to_list() if "\u00a0" not in u)  # IDN in Unicode


def test_statuses_are_consistent_with_timestamps(small_world) -> None:
    rows = case_rows(small_world, 7)
    checks = rows.select(
        open=((pl.col("status") == "open") & (pl.col("triaged").is_not_null() | pl.col("closed").is_not_null())).sum(),
        done=(pl.col("status").is_in(["closed", "rejected"]) & pl.col("closed").is_null()).sum(),
        active=(
            pl.col("status").is_in(["triaged", "referred", "actioned"])
            & (pl.col("triaged").is_null() | pl.col("closed").is_not_null())
        ).sum(),
        order=((pl.col("triaged") < pl.col("detected")) | (pl.col("closed") < pl.col("detected"))).sum(),
        late=(pl.max_horizontal("detected", "triaged", "closed") > small_world.period.t_end).sum(),
    )
    assert checks.row(0) == (0, 0, 0, 0, 0)
    assert set(rows["status"]) == {"open", "triaged", "referred", "actioned", "closed", "rejected"}


def test_bad_case_rows_never_share_a_key_with_good_rows(small_world) -> None:
    good = case_rows(small_world, 7)
    bad = bad_cases(good, 0.01, 7, small_world.period.t_end)
    good_keys = set(good.select("agency_code", "case_id").iter_rows())
    assert not good_keys & set(bad.select("agency_code", "case_id").iter_rows())
    assert not bad["correction"].any()
    # Hand-offs and takedown requests only ever point at real cases.
    for rows in (referral_rows(small_world, good), action_rows(small_world, good)):
        assert set(rows.select("case_agency", "case_id").iter_rows()) <= good_keys


def test_the_year_has_weekly_rhythm_bursts_and_distinct_paces(small_world) -> None:
    period, cases = small_world.period, small_world.cases
    local_day = (pl.col("detected") - period.t0) // 86400
    days = cases.with_columns(day=local_day, weekday=(local_day + period.start.weekday()) % 7)
    per_weekday = days.group_by("weekday").len().sort("weekday")["len"].to_list()
    assert max(per_weekday[5:]) < 0.75 * min(per_weekday[:5])  # weekends are quieter
    disaster = days.filter(pl.col("category") == 6).group_by("day").len()["len"]
    assert disaster.max() > disaster.mean() + 3 * disaster.std() and disaster.max() >= 10  # a hotspot
    triage = (
        cases.filter(pl.col("triaged") < NEVER)
        .group_by("agency")
        .agg(((pl.col("triaged") - pl.col("detected")) / 3600).median().alias("h"))["h"]
    )
    assert triage.max() > 10 * triage.min()  # agencies work at very different paces
    facts = small_world.facts
    assert facts["duplicate_cases"] > 0.05 * facts["original_cases"]
    assert 0 < facts["duplicates_linked_by_referral"] < facts["duplicate_cases"]
    assert facts["ping_pong_hops"] > 0 and facts["unacknowledged_referrals"] > 0 and facts["open_at_end"] > 0
