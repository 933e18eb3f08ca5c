"""Crash safety: a batch killed with SIGKILL mid-load leaves nothing half-loaded, and a rerun completes it.

A child process ingests a large cases file into a DuckDB *file* (set up like ``flows.pipeline._open``) and is
killed while ``ingest_file`` runs. The warehouse must still open, hold no trace of that batch, and a rerun must
end with exactly the tables an uninterrupted run into a fresh file produces.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
N_ROWS = 300_000

# The child: open the warehouse like flows.pipeline._open, load the agencies once, then the cases file.
CHILD = """
import sys
from pathlib import Path
from concord.warehouse import connect, ensure_schema
from flows import parsing
from flows.ingest import ensure_raw_table, ingest_file
from flows.sources import SOURCES

db, agencies, cases = (Path(a) for a in sys.argv[1:4])
con = connect(db)
ensure_schema(con)
for source in SOURCES.values():
    ensure_raw_table(con, source)
parsing.install(con, hmac_key=b"crash-test-key")
con.execute("CREATE OR REPLACE TEMP MACRO run_as_of() AS TIMESTAMPTZ '2026-01-01 00:00:00+00'")
if not con.execute("SELECT count(*) FROM audit.batches WHERE source = 'agencies'").fetchall()[0][0]:
    ingest_file(con, agencies, SOURCES["agencies"])
print("loading", flush=True)
result = ingest_file(con, cases, SOURCES["cases"])
print("done", result.status, result.rows_in, result.rows_loaded, result.rows_quarantined, flush=True)
con.close()
"""

AGENCIES = """\
- {agency_code: STTTT, name: "Sở Thông tin và Truyền thông", tier: city, role: coordination}
- {agency_code: CA-ANM, name: "Phòng An ninh mạng", tier: city, role: enforcement, parent_code: STTTT}
"""


def write_cases(path: Path, n: int) -> None:
    """``n`` generated cases: mostly good, every 97th with an unknown agency, every 101st a correction."""
    i = pl.int_range(0, n)
    frame = pl.select(
        **{
            # Every 101st row repeats the previous case id: a correction within the file.
            "case_id": pl.when(i % 101 == 100).then(i - 1).otherwise(i).cast(pl.String).str.zfill(7),
            "agency_code": pl.when(i % 97 == 0).then(pl.lit("NOPE")).otherwise(pl.lit("STTTT")),
            "detected_at": pl.format("{}/0{}/2025 {}:15", (i % 28 + 1), (i % 9 + 1), (i % 24)),
            "url": pl.format("https://www.facebook.com/p/{}?utm_source=x&b=2&a=1", i % 5000),
            "platform": pl.lit("Facebook"),
            "category": pl.lit("scam_fraud"),
            "severity": (i % 4 + 1).cast(pl.String),
            "reach": (i * 7).cast(pl.String),
            "status": pl.lit("open"),
            "account_handle": pl.format("@user{}", i % 1000),
            "notes": pl.format("gọi 09{} lúc sáng", (i % 100_000_000 + 100_000_000).cast(pl.String).str.slice(1)),
        }
    )
    frame.write_csv(path)


def run_child(db: Path, agencies: Path, cases: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(agencies), str(cases)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def snapshot(db: Path) -> dict[str, object]:
    """Counts per table and a checksum of staging.cases by key (batch ids differ between runs, so left out)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("raw.cases", "staging.cases", "quarantine.rows", "staging.agencies")
        }
        batches = con.execute(
            """SELECT status, rows_in, rows_loaded, rows_quarantined FROM audit.batches
               WHERE source = 'cases' ORDER BY loaded_at"""
        ).fetchall()
        checksum = con.execute(
            """SELECT md5(string_agg(concat_ws('|', agency_code, case_id, detected_at, url, url_key, platform,
                      category, severity, reach, status, triaged_at, closed_at, account_pseudonym, notes, row_number),
                      '\n' ORDER BY agency_code, case_id))
               FROM staging.cases"""
        ).fetchall()[0][0]
    finally:
        con.close()
    return {"counts": counts, "batches": batches, "checksum": checksum}


@pytest.mark.timeout(120)
def test_a_killed_batch_leaves_nothing_and_a_rerun_completes_it(tmp_path: Path) -> None:
    agencies, cases = tmp_path / "agencies.yaml", tmp_path / "cases.csv"
    agencies.write_text(AGENCIES, encoding="utf-8")
    write_cases(cases, N_ROWS)

    # The reference: one uninterrupted run into a fresh file.
    reference_db = tmp_path / "reference.duckdb"
    assert "done loaded" in finish(run_child(reference_db, agencies, cases))
    expected = snapshot(reference_db)
    assert expected["counts"]["raw.cases"] == N_ROWS

    # The crash: SIGKILL about a second after the child starts ingest_file.
    db = tmp_path / "warehouse.duckdb"
    proc = run_child(db, agencies, cases)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "loading"
    time.sleep(1.0)
    assert proc.poll() is None, "the batch finished before the kill: make the file larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert "done" not in proc.stdout.read()

    # The warehouse opens and holds no part of the killed batch (the agencies batch before it is committed).
    crashed = snapshot(db)
    assert crashed["counts"] == {"raw.cases": 0, "staging.cases": 0, "quarantine.rows": 0, "staging.agencies": 2}
    assert crashed["batches"] == []

    # A rerun completes the batch and ends exactly where the uninterrupted run did.
    assert "done loaded" in finish(run_child(db, agencies, cases))
    assert snapshot(db) == expected
