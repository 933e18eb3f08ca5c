"""``lifecycle-10m`` (opt-in): 10 million lifecycle rows, DuckDB merely loading them against our ingest.

The inbox is written once by DuckDB ``COPY`` from ``range()``-generated SQL (seconds, not minutes), in the formats
the pipeline reads (``flows/sources.py``): half the rows are cases (CSV, English headers, timestamps mostly ISO 8601
with offset, some ``dd/mm/yyyy HH:MM``, UTC ``Z`` or local without offset; URLs with tracking parameters, ``www.``,
credentials and a few IDN hosts; Vietnamese notes, some with phone numbers to scrub; ~1% bad rows of counted kinds:
unknown agency, unparseable or future timestamp, missing URL, bad severity, unknown action), a quarter
referrals (JSON Lines) and a quarter platform actions (CSV), split into files of ~500k rows, plus the demo's
agencies. Cases share URLs across agencies a few days apart (uncoordinated duplicates), referrals and actions point
at real cases, so the marts have work to do.

Then, each in a fresh subprocess:
(a) the floor: DuckDB loading the same files into a fresh database file, CSV ``all_varchar`` / JSON fields as text;
(b) our ingest: ``ingest_file`` for every file in one process into a fresh warehouse (raw, quarantine, staging);
(c) validation (GX by push-down) and (d) ``build_marts`` on the result, as separate figures.
Printed: wall, peak RSS, rows/s and the ratio ours / floor (target ≈ 2×, < 2 GB).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import OUTPUT, fresh_file, heading, mb, record, run_worker, secs, table

START_EPOCH = 1_761_930_000  # 2025-10-31T17:00:00Z = 2025-11-01 00:00 local (UTC+07:00)
SPAN_S = 335 * 86_400  # 2025-11-01 .. 2026-10-02 local: the delays (days at most) stay before the as-of

TARGET_RATIO = 2.0
TARGET_KIB = 2 * 1024 * 1024

_LOCAL = 7 * 3600

MACROS = """
CREATE OR REPLACE MACRO u01(i, salt) AS (hash(i, salt) % 1000003)::DOUBLE / 1000003;
CREATE OR REPLACE MACRO pick(xs, i, salt) AS xs[1 + (hash(i, salt) % len(xs))::INTEGER];
-- Epoch seconds as text in one of the formats agencies use (local time UTC+07:00 unless Z).
CREATE OR REPLACE MACRO ts_text(e, style) AS CASE
    WHEN e IS NULL THEN NULL
    WHEN style < 7 THEN strftime(make_timestamp((e + {local})::BIGINT * 1000000), '%Y-%m-%dT%H:%M:%S') || '+07:00'
    WHEN style = 7 THEN strftime(make_timestamp((e + {local})::BIGINT * 1000000), '%d/%m/%Y %H:%M')
    WHEN style = 8 THEN strftime(make_timestamp(e::BIGINT * 1000000), '%Y-%m-%dT%H:%M:%SZ')
    ELSE strftime(make_timestamp((e + {local})::BIGINT * 1000000), '%Y-%m-%d %H:%M:%S')
END;
-- Case i: its agency, detection time (spread over the year in file order) and item (URL) number.
-- A third of the cases share their item with the neighbouring cases (other agencies, minutes to days apart).
CREATE OR REPLACE MACRO case_agency(i) AS pick({agencies}, i, 'agency');
CREATE OR REPLACE MACRO case_id(i) AS 'HS-' || lpad(i::VARCHAR, 9, '0');
CREATE OR REPLACE MACRO case_detected(i, n) AS {start} + (i * {span} // n) + (hash(i, 'jitter') % 1800)::BIGINT;
CREATE OR REPLACE MACRO case_item(i) AS CASE WHEN u01(i, 'shared') < 0.33 THEN i // 3 ELSE 1000000000 + i END;
CREATE OR REPLACE MACRO item_platform(u) AS
    ['facebook', 'facebook', 'facebook', 'tiktok', 'tiktok', 'youtube', 'zalo', 'telegram', 'x', 'website', 'website', 'other']
    [1 + (hash(u, 'platform') % 12)::INTEGER];
CREATE OR REPLACE MACRO item_url(u, i) AS CASE item_platform(u)
    WHEN 'facebook' THEN 'https://www.facebook.com/permalink.php?story_fbid=' || (hash(u, 'p') % 10000000000) || '&id=' || (hash(u, 'q') % 100000)
        || CASE WHEN u01(i, 'trk') < 0.3 THEN '&fbclid=IwAR' || (hash(i, 'f') % 1000000) ELSE '' END
    WHEN 'tiktok' THEN 'https://www.tiktok.com/@' || pick(['review', 'shop', 'deal', 'tin'], u, 'h') || (hash(u, 'q') % 50000) || '/video/' || (hash(u, 'p') % 10000000000000)
        || CASE WHEN u01(i, 'trk') < 0.3 THEN '?is_from_webapp=1&sender_device=pc' ELSE '' END
    WHEN 'youtube' THEN 'https://youtube.com/watch?v=' || substr(md5(u::VARCHAR), 1, 11) || CASE WHEN u01(i, 'trk') < 0.2 THEN '&si=' || (hash(i, 's') % 100000) ELSE '' END
    WHEN 'zalo' THEN 'https://zalo.me/g/' || substr(md5(u::VARCHAR), 1, 10)
    WHEN 'telegram' THEN 't.me/' || pick(['kiemtien', 'dautu', 'nhanqua', 'vieclam'], u, 'h') || (hash(u, 'q') % 20000)
    WHEN 'x' THEN 'https://x.com/' || pick(['tintuc', 'canhbao', 'deal'], u, 'h') || (hash(u, 'q') % 30000) || '/status/' || (hash(u, 'p') % 10000000000000000)
    WHEN 'website' THEN CASE
        WHEN u01(u, 'idn') < 0.003 THEN 'http://khuyến-mãi-' || (hash(u, 'q') % 1000) || '.vn/nhan-qua'
        WHEN u01(u, 'cred') < 0.01 THEN 'https://khach:matkhau' || (hash(u, 'q') % 100) || '@dangky-vn' || (hash(u, 'q') % 500) || '.xyz/dang-nhap'
        ELSE 'http://' || pick(['www.', ''], i, 'w') || pick(['dichvucong', 'nganhang', 'khuyenmai', 'vaytien', 'giaohang'], u, 'h')
             || (hash(u, 'q') % 40000) || pick(['.site', '.com', '.vn', '.xyz', '.online'], u, 't') || '/'
             || pick(['verify', 'dang-nhap', 'nhan-qua', 'xac-minh', ''], u, 'path')
             || CASE WHEN u01(i, 'trk') < 0.4 THEN '?utm_source=' || pick(['facebook', 'zalo', 'sms'], i, 'src') || '&utm_medium=social&ref=' || (hash(u, 'r') % 1000) ELSE '' END
    END
    ELSE 'https://' || pick(['forum', 'blog', 'news'], u, 'h') || (hash(u, 'q') % 5000) || '.net/p/' || (hash(u, 'p') % 1000000)
END;
CREATE OR REPLACE MACRO item_category(u) AS pick(['scam_fraud', 'scam_fraud', 'scam_fraud', 'phishing', 'phishing', 'malware',
    'impersonation', 'harassment', 'health_misinfo', 'disaster_misinfo', 'other'], u, 'category');
"""

CASES_SQL = """
COPY (
    WITH c AS (
        SELECT i, case_detected(i, {n}) AS detected, case_item(i) AS u, (hash(i, 'fmt') % 10)::INTEGER AS style,
               hash(i, 'bad') % 400 AS bad, u01(i, 'status') AS s, u01(i, 'triage') AS tr, u01(i, 'close') AS cl
        FROM range({lo}, {hi}) t(i)
    ), d AS (
        SELECT *, CASE WHEN s < 0.10 THEN 'open' WHEN s < 0.25 THEN 'triaged' WHEN s < 0.40 THEN 'referred'
                       WHEN s < 0.55 THEN 'actioned' WHEN s < 0.93 THEN 'closed' ELSE 'rejected' END AS status,
               (exp(ln(2.0) + 4.0 * (tr - 0.5)) * 3600)::BIGINT AS triage_s,
               (exp(ln(72.0) + 4.0 * (cl - 0.5)) * 3600)::BIGINT AS close_s
        FROM c
    )
    SELECT case_id(i) AS case_id,
           CASE WHEN bad = 1 THEN 'XX-KHONG-RO' ELSE case_agency(i) END AS agency_code,
           CASE WHEN bad = 2 THEN '31/02/2026 10:00' ELSE ts_text(detected, style) END AS detected_at,
           CASE WHEN bad = 3 THEN NULL ELSE item_url(u, i) END AS url,
           CASE WHEN hash(i, 'pc') % 3 = 0 THEN upper(item_platform(u)[1]) || item_platform(u)[2:] ELSE item_platform(u) END AS platform,
           item_category(u) AS category,
           CASE WHEN bad = 4 THEN 'rất cao' ELSE pick(['1', '2', '2', '3', '3', '4', 'low', 'medium', 'high', 'critical', 'thấp', 'trung bình', 'cao', 'nghiêm trọng'], i, 'sev') END AS severity,
           CASE WHEN u01(i, 'reach') < 0.2 THEN NULL WHEN u01(i, 'reachfmt') < 0.1 THEN format('{{:,}}', (hash(i, 'r') % 500000)::BIGINT).replace(',', '.')
                ELSE (hash(i, 'r') % 50000)::VARCHAR END AS reach,
           status,
           CASE WHEN status = 'open' THEN NULL ELSE ts_text(detected + triage_s, style) END AS triaged_at,
           CASE WHEN status IN ('closed', 'rejected') THEN ts_text(detected + triage_s + close_s, style) END AS closed_at,
           CASE WHEN u01(i, 'handle') < 0.6 THEN '@' || pick(['nguyenvan', 'tranthi', 'levan', 'phamthi', 'hoang', 'shop', 'deal'], i, 'hn')
                || (hash(i, 'hh') % 300000) END AS account_handle,
           CASE WHEN u01(i, 'notes') < 0.25 THEN NULL
                ELSE pick(['Người dân phản ánh qua đường dây nóng.', 'Tin nhắn giả mạo thông báo trúng thưởng, đề nghị nộp phí nhận quà.',
                           'Đường dẫn giả mạo trang đăng nhập ngân hàng điện tử.', 'Bài đăng sai sự thật về dịch bệnh, lan truyền nhanh.',
                           'Tài khoản mạo danh cơ quan nhà nước.', 'Cảnh báo lừa đảo tuyển cộng tác viên online.'], i, 'note')
                     || CASE WHEN u01(i, 'pii') < 0.12 THEN ' SĐT người báo tin: 09' || lpad((hash(i, 'ph') % 100000000)::VARCHAR, 8, '0') || '.' ELSE '' END
           END AS notes
    FROM d
) TO '{path}' (FORMAT csv, HEADER true)
"""

REFERRALS_SQL = """
COPY (
    WITH r AS (
        SELECT r, (r * 2) % {n_cases} AS c, (hash(r, 'fmt') % 10)::INTEGER AS style, hash(r, 'bad') % 200 AS bad,
               u01(r, 'ack') AS ack, u01(r, 'done') AS done, u01(r, 'outcome') AS o
        FROM range({lo}, {hi}) t(r)
    ), s AS (
        SELECT *, case_detected(c, {n_cases}) + (exp(ln(6.0) + 3.0 * (u01(r, 'send') - 0.5)) * 3600)::BIGINT AS sent,
               case_agency(c) AS case_agency, pick({agencies}, r, 'to') AS to_agency
        FROM r
    )
    SELECT 'RF-' || lpad(r::VARCHAR, 9, '0') AS referral_id, case_agency, case_id(c) AS case_id,
           case_agency AS from_agency,
           CASE WHEN bad = 1 THEN 'XX-KHONG-RO' ELSE to_agency END AS to_agency,
           CASE WHEN bad = 2 THEN '2026-13-45T10:00:00+07:00' ELSE ts_text(sent, style) END AS sent_at,
           CASE WHEN ack < 0.85 THEN ts_text(sent + (exp(ln(4.0) + 3.0 * (ack - 0.5)) * 3600)::BIGINT, style) END AS acknowledged_at,
           CASE WHEN done < 0.5 THEN ts_text(sent + (exp(ln(48.0) + 3.0 * (done - 0.5)) * 3600)::BIGINT, style) END AS completed_at,
           CASE WHEN o < 0.5 THEN 'accepted' WHEN o < 0.6 THEN 'declined' WHEN o < 0.65 THEN 'returned' WHEN o < 0.9 THEN 'completed' END AS outcome
    FROM s
) TO '{path}' (FORMAT json)
"""

ACTIONS_SQL = """
COPY (
    WITH a AS (
        SELECT a, (a * 2 + 1) % {n_cases} AS c, (hash(a, 'fmt') % 10)::INTEGER AS style, hash(a, 'bad') % 200 AS bad,
               u01(a, 'resp') AS resp, u01(a, 'action') AS x
        FROM range({lo}, {hi}) t(a)
    ), s AS (
        SELECT *, case_detected(c, {n_cases}) + (exp(ln(12.0) + 3.0 * (u01(a, 'req') - 0.5)) * 3600)::BIGINT AS requested,
               case_item(c) AS u
        FROM a
    )
    SELECT 'YC-' || lpad(a::VARCHAR, 9, '0') AS request_id, case_agency(c) AS case_agency, case_id(c) AS case_id,
           item_platform(u) AS platform,
           CASE WHEN bad = 1 THEN '2027-01-01T00:00:00+07:00' ELSE ts_text(requested, style) END AS requested_at,
           CASE WHEN x < 0.9 THEN ts_text(requested + (exp(ln(20.0) + 3.0 * (resp - 0.5)) * 3600)::BIGINT, style) END AS responded_at,
           CASE WHEN bad = 2 THEN 'deleted' WHEN x >= 0.9 THEN 'pending' WHEN x < 0.45 THEN 'removed' WHEN x < 0.55 THEN 'restricted'
                WHEN x < 0.6 THEN 'geo_blocked' WHEN x < 0.7 THEN 'labelled' WHEN x < 0.82 THEN 'no_violation' ELSE 'no_response' END AS action
    FROM s
) TO '{path}' (FORMAT csv, HEADER true)
"""


def _chunks(total: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + size, total)) for lo in range(0, total, size)]


def write_inbox(out: Path, total_rows: int, file_rows: int) -> dict[str, Any]:
    """Write the lifecycle inbox under ``out`` with DuckDB ``COPY``; returns its manifest."""
    import duckdb

    from concord.demo.reference import AGENCIES
    from concord.demo.writers import write_agencies

    n_cases = total_rows // 2
    n_referrals = total_rows // 4
    n_actions = total_rows - n_cases - n_referrals
    agencies = "[" + ", ".join(f"'{a.code}'" for a in AGENCIES) + "]"
    shutil.rmtree(out, ignore_errors=True)
    for folder in ("agencies", "cases", "referrals", "platform_actions"):
        (out / folder).mkdir(parents=True)
    write_agencies(out)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")
    con.execute(MACROS.format(local=_LOCAL, agencies=agencies, start=START_EPOCH, span=SPAN_S))
    files: dict[str, list[str]] = {"cases": [], "referrals": [], "platform_actions": []}
    plan = [
        ("cases", "csv", CASES_SQL, n_cases),
        ("referrals", "jsonl", REFERRALS_SQL, n_referrals),
        ("platform_actions", "csv", ACTIONS_SQL, n_actions),
    ]
    for source, ext, sql, count in plan:
        for k, (lo, hi) in enumerate(_chunks(count, file_rows)):
            path = out / source / f"{source}_{k:03d}.{ext}"
            con.execute(sql.format(n=n_cases, n_cases=n_cases, lo=lo, hi=hi, path=path, agencies=agencies))
            files[source].append(str(path))
    con.close()
    manifest = {
        "total_rows": total_rows,
        "file_rows": file_rows,
        "rows": {"cases": n_cases, "referrals": n_referrals, "platform_actions": n_actions},
        "files": files,
        "bytes": sum(Path(p).stat().st_size for paths in files.values() for p in paths),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def cached_inbox_dir(total_rows: int) -> Path:
    """Where the inbox of ``total_rows`` lifecycle rows is cached (its warehouse sits next to it)."""
    if total_rows >= 1_000_000:
        return OUTPUT / f"lifecycle-{total_rows // 1_000_000}m" / "inbox"
    return OUTPUT / f"lifecycle-{total_rows}" / "inbox"


def cached_inbox(total_rows: int, file_rows: int, fresh: bool) -> tuple[Path, dict[str, Any], float | None]:
    out = cached_inbox_dir(total_rows)
    manifest_file = out / "manifest.json"
    if manifest_file.exists() and not fresh:
        manifest = json.loads(manifest_file.read_text())
        if manifest.get("total_rows") == total_rows and manifest.get("file_rows") == file_rows:
            return out, manifest, None
    t0 = time.perf_counter()
    manifest = write_inbox(out, total_rows, file_rows)
    return out, manifest, time.perf_counter() - t0


def main(
    fresh: bool = False,
    total_rows: int = 10_000_000,
    file_rows: int = 500_000,
    validate: bool = True,
    marts: bool = True,
    memory_limit: str | None = None,
    only_marts: bool = False,
    marts_breakdown: bool = True,
) -> dict[str, Any]:
    if only_marts:
        return marts_main(total_rows, memory_limit, marts_breakdown)
    heading(f"lifecycle: {total_rows:,} lifecycle rows, the floor (DuckDB loading the files) against our ingest")
    inbox, manifest, generated = cached_inbox(total_rows, file_rows, fresh)
    n_files = sum(len(v) for v in manifest["files"].values())
    print(
        f"   inbox {inbox}: {n_files} files, {manifest['bytes'] / 1e9:.2f} GB, rows "
        + ", ".join(f"{k} {v:,}" for k, v in manifest["rows"].items())
        + (f"; written in {generated:.1f} s" if generated is not None else "; cached"),
        flush=True,
    )
    work = inbox.parent
    floor = run_worker("floor", db=fresh_file(work / "floor.duckdb"), files=manifest["files"])
    fresh_file(work / "floor.duckdb")
    from concord.settings import Settings

    pipeline_limit = Settings().duckdb_memory_limit
    print(
        f"   DuckDB memory_limit for our ingest and marts: {memory_limit or pipeline_limit}"
        + (f" (experiment; the pipeline sets {pipeline_limit})" if memory_limit else " (the pipeline's setting)"),
        flush=True,
    )
    ours = run_worker(
        "ingest", db=fresh_file(work / "warehouse.duckdb"), inbox=inbox, per_file=True, memory_limit=memory_limit
    )
    rows = []
    figures: dict[str, Any] = {"rows": manifest["rows"], "files": n_files}
    for source in ("cases", "referrals", "platform_actions"):
        f, o = floor.result["sources"][source], ours.result["sources"][source]
        rows.append(
            [
                f"{source} ({o['files']} files)",
                f"{f['rows_in']:,}",
                secs(f["wall_s"]),
                secs(o["wall_s"]),
                f"{o['wall_s'] / f['wall_s']:.1f}×",
                secs(f["cpu_s"]),
                secs(o["cpu_s"]),
                f"{o['cpu_s'] / f['cpu_s']:.1f}×",
                f"{o['rows_in'] / o['wall_s']:,.0f}",
                f"{o['rows_quarantined']:,}",
            ]
        )
        figures[source] = {
            "floor_s": f["wall_s"],
            "ours_s": o["wall_s"],
            "floor_cpu_s": f["cpu_s"],
            "ours_cpu_s": o["cpu_s"],
            "quarantined": o["rows_quarantined"],
        }
    table(
        rows,
        [
            "ingest by source",
            "rows",
            "floor wall s",
            "ours wall s",
            "ratio",
            "floor CPU s",
            "ours CPU s",
            "ratio",
            "ours rows/s",
            "quarantined",
        ],
    )
    ratio_wall = ours.result["wall_s"] / floor.result["wall_s"]
    ratio_cpu = ours.result["cpu_s"] / floor.result["cpu_s"]
    print()
    summary = [
        [
            "(a) floor: DuckDB read_csv/read_json → table",
            secs(floor.result["wall_s"]),
            secs(floor.result["cpu_s"]),
            secs(floor.wall_s),
            mb(floor.max_rss_kib),
            "",
        ],
        [
            "(b) ours: ingest_file per file (raw, quarantine, staging)",
            secs(ours.result["wall_s"]),
            secs(ours.result["cpu_s"]),
            secs(ours.wall_s),
            mb(ours.max_rss_kib),
            f"{ratio_wall:.1f}× wall, {ratio_cpu:.1f}× CPU",
        ],
    ]
    figures |= {
        "floor_s": floor.result["wall_s"],
        "floor_cpu_s": floor.result["cpu_s"],
        "floor_rss_kib": floor.max_rss_kib,
        "ours_s": ours.result["wall_s"],
        "ours_cpu_s": ours.result["cpu_s"],
        "ours_rss_kib": ours.max_rss_kib,
        "ratio": ratio_wall,
        "ratio_cpu": ratio_cpu,
        "files_s": {f["file"]: round(f["wall_s"], 2) for f in ours.result["files"]},
        "files_cpu_s": {f["file"]: round(f["cpu_s"], 2) for f in ours.result["files"]},
    }
    db = work / "warehouse.duckdb"
    if validate:
        v = run_worker("validate", db=db, docs_dir=work / "data_docs")
        summary.append(
            [
                "(c) validation: GX push-down + Data Docs",
                secs(v.result["wall_s"]),
                secs(v.result["cpu_s"]),
                secs(v.wall_s),
                mb(v.max_rss_kib),
                "",
            ]
        )
        figures |= {"validate_s": v.result["wall_s"], "validate_rss_kib": v.max_rss_kib}
    if marts:
        marts_rows, marts_figures = _marts(db, memory_limit, marts_breakdown)
        summary += marts_rows
        figures |= marts_figures
    table(summary, ["lifecycle", "stage wall s", "stage CPU s", "process wall s", "peak RSS MB", "ours / floor"])
    print(
        f"   targets: ours ≈ {TARGET_RATIO:.0f}× the floor (measured {ratio_wall:.1f}× wall, {ratio_cpu:.1f}× CPU),"
        f" < {TARGET_KIB / 1024 / 1024:.0f} GB (measured {ours.max_rss_kib / 1024 / 1024:.2f} GB); reported, not asserted"
    )
    big = [f for f in ours.result["files"] if f["rows_in"] >= 1000]
    slowest = sorted(big, key=lambda f: -f["wall_s"] / f["rows_in"])[:3]
    print(
        "   slowest files per row: "
        + "; ".join(f"{f['file']} {f['rows_in']:,} rows {f['wall_s']:.1f} s" for f in slowest)
    )
    figures["memory_limit"] = memory_limit or pipeline_limit
    record(f"lifecycle-{total_rows}", figures)
    return figures


def _marts(db: Path, memory_limit: str | None, breakdown: bool) -> tuple[list[list[str]], dict[str, Any]]:
    """(d) ``build_marts`` on the loaded warehouse in a fresh subprocess, and its steps in a second one."""
    m = run_worker("marts", db=db, memory_limit=memory_limit)
    rows = [
        [
            "(d) marts: build_marts",
            secs(m.result["wall_s"]),
            secs(m.result["cpu_s"]),
            secs(m.wall_s),
            mb(m.max_rss_kib),
            "",
        ]
    ]
    figures: dict[str, Any] = {
        "marts_s": m.result["wall_s"],
        "marts_cpu_s": m.result["cpu_s"],
        "marts_rss_kib": m.max_rss_kib,
        "marts_rows": m.result["rows"],
    }
    if breakdown:
        steps = run_worker("marts", db=db, breakdown=True, memory_limit=memory_limit)
        for name, seconds in steps.result["steps"].items():
            rows.append([f"    marts step: {name}", secs(seconds), "", "", "", ""])
        rows.append(["    (steps timed in a second subprocess)", "", "", secs(steps.wall_s), mb(steps.max_rss_kib), ""])
        figures["marts_steps"] = steps.result["steps"]
    return rows, figures


def marts_main(total_rows: int, memory_limit: str | None, breakdown: bool) -> dict[str, Any]:
    """Only (d): ``build_marts`` on the warehouse a previous full run left under bench/output/ (no ingest)."""
    heading(f"lifecycle: build_marts alone on the cached warehouse of {total_rows:,} lifecycle rows")
    db = cached_inbox_dir(total_rows).parent / "warehouse.duckdb"
    if not db.exists():
        raise SystemExit(f"no cached warehouse at {db}: run `python -m bench lifecycle-10m` once without --only-marts")
    print(f"   warehouse {db} (cached); DuckDB memory_limit = {memory_limit or 'the pipeline setting'}", flush=True)
    rows, figures = _marts(db, memory_limit, breakdown)
    table(rows, ["lifecycle", "stage wall s", "stage CPU s", "process wall s", "peak RSS MB", ""])
    print(
        f"   target: the whole job < {TARGET_KIB / 1024 / 1024:.0f} GB "
        f"(marts measured {figures['marts_rss_kib'] / 1024 / 1024:.2f} GB); reported, not asserted"
    )
    figures["memory_limit"] = memory_limit
    record(f"lifecycle-{total_rows}-marts", figures)
    return figures
