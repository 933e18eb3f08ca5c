"""The backfill flow under Prefect's test harness: idempotent, in-range only, recorded like a run."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from concord.cli import app
from concord.settings import serving_path
from tests.conftest import make_demo_inbox

pytestmark = pytest.mark.prefect

AS_OF = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # local midnight after the demo's last day
LATER = AS_OF + timedelta(days=3)
FROM, TO = date(2026, 10, 1), date(2026, 10, 15)
TZ = "Asia/Ho_Chi_Minh"

# How each mart's rows are placed in the range (the same rules as transforms.build, written out again here).
DAY = "day BETWEEN DATE '2026-10-01' AND DATE '2026-10-15'"
DETECTED = "timezone('Asia/Ho_Chi_Minh', detected_at)::DATE BETWEEN DATE '2026-10-01' AND DATE '2026-10-15'"
CASES_IN_RANGE = f"(SELECT agency_code, case_id FROM marts.case_facts WHERE {DETECTED})"
IN_RANGE = {
    "marts.case_facts": DETECTED,
    "marts.public_response_coverage": DETECTED,
    "marts.kpi_daily": DAY,
    "marts.backlog_daily": DAY,
    "marts.hotspots": DAY,
    "marts.handoffs": f"(case_agency, case_id) IN {CASES_IN_RANGE}",
    "marts.platform_requests": f"(case_agency, case_id) IN {CASES_IN_RANGE}",
    "marts.recurrence": "timezone('Asia/Ho_Chi_Minh', first_enforcement_at)::DATE BETWEEN DATE '2026-10-01' AND DATE '2026-10-15'",
}
MARTS = tuple(IN_RANGE)


@pytest.fixture(scope="module")
def base_db(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse after one real pipeline run (no validation: the marts are what the backfill touches)."""
    from flows.pipeline import pipeline

    inbox = make_demo_inbox(tmp_path_factory.mktemp("inbox"))
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONCORD_HOME", str(home))
        mp.setenv("CONCORD_HMAC_KEY", "backfill-test-key")
        pipeline(inbox=inbox, db=home / "concord.duckdb", as_of=AS_OF, run_validation=False)
    return home / "concord.duckdb"


@pytest.fixture
def db(base_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the base warehouse (and a home for its evidence) for one test."""
    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    copy = tmp_path / "concord.duckdb"
    shutil.copy(base_db, copy)
    return copy


def marts(db: Path, where: str = "true", negate: bool = False) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return {
            t: con.sql(
                f"SELECT * FROM {t} WHERE {'NOT ' if negate else ''}coalesce(({IN_RANGE[t] if where == 'range' else where}), false) ORDER BY ALL"
            ).pl()
            for t in MARTS
        }


def run_backfill(db: Path, as_of: datetime, date_from: date = FROM, date_to: date = TO):  # type: ignore[no-untyped-def]
    from flows.backfill import backfill

    return backfill(date_from=date_from, date_to=date_to, db=db, as_of=as_of)


def test_a_backfill_twice_leaves_identical_marts(db: Path) -> None:
    run_backfill(db, LATER)
    first = marts(db)
    run_backfill(db, LATER)
    second = marts(db)
    for table in MARTS:
        assert_frame_equal(first[table], second[table])


def test_a_backfill_at_the_runs_as_of_changes_nothing(db: Path) -> None:
    before = marts(db)
    run_backfill(db, AS_OF)
    after = marts(db)
    for table in MARTS:
        assert_frame_equal(before[table], after[table])


def test_rows_outside_the_range_are_untouched_and_rows_inside_are_recomputed(db: Path) -> None:
    outside_before = marts(db, "range", negate=True)
    summary = run_backfill(db, LATER)
    outside_after = marts(db, "range", negate=True)
    inside_after = marts(db, "range")
    for table in MARTS:
        assert_frame_equal(outside_before[table], outside_after[table])
        assert outside_after[table]["as_of"].unique().to_list() == [AS_OF], table
        assert inside_after[table].height == summary.marts[table], table
        if inside_after[table].height:
            assert inside_after[table]["as_of"].unique().to_list() == [LATER], table
    for table in ("marts.case_facts", "marts.kpi_daily", "marts.backlog_daily", "marts.hotspots", "marts.handoffs"):
        assert inside_after[table].height > 0, f"the demo has {table} rows in the range: the test must see some"


def test_a_backfill_after_a_correction_changes_only_in_range_rows(db: Path) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("SET TimeZone = 'UTC'")
        inside, outside = (
            con.execute(
                f"SELECT agency_code, case_id FROM staging.cases WHERE {'' if keep else 'NOT '}({DETECTED}) "
                "AND closed_at IS NULL ORDER BY ALL LIMIT 1"
            ).fetchall()[0]
            for keep in (True, False)
        )
        # The correction: both cases closed an hour after detection, as a later delivery would say.
        for key in (inside, outside):
            con.execute(
                "UPDATE staging.cases SET closed_at = detected_at + INTERVAL 1 HOUR, status = 'closed' "
                "WHERE agency_code = ? AND case_id = ?",
                list(key),
            )
    run_backfill(db, AS_OF)
    with duckdb.connect(str(db), read_only=True) as con:
        facts = con.execute("SELECT agency_code, case_id, status, closed_at FROM marts.case_facts").fetchall()
    rows = {(agency, case): (status, closed) for agency, case, status, closed in facts}
    assert rows[inside][0] == "closed" and rows[inside][1] is not None
    assert rows[outside][1] is None, "a case detected outside the range keeps its old row until it is backfilled"


def test_a_backfill_is_recorded_like_a_run(db: Path) -> None:
    summary = run_backfill(db, LATER)
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute(
            "SELECT flow, status, date_from, date_to, inbox, finished_at IS NOT NULL FROM audit.runs WHERE run_id = ?",
            [summary.run_id],
        ).fetchall()
        evidence = con.execute("SELECT count(*) FROM audit.evidence WHERE run_id = ?", [summary.run_id]).fetchall()
        flows = con.execute("SELECT flow, count(*) FROM audit.runs GROUP BY 1 ORDER BY 1").fetchall()
    assert runs == [("concord-backfill", "completed", FROM, TO, None, True)]
    assert evidence == [(1,)]
    assert flows == [("concord-backfill", 1), ("concord-pipeline", 1)]
    with duckdb.connect(str(serving_path(db)), read_only=True) as serving:
        served = serving.execute("SELECT flow FROM audit.runs WHERE run_id = ?", [summary.run_id]).fetchall()
    assert served == [("concord-backfill",)]
    result = CliRunner().invoke(app, ["audit", "verify", "--db", str(db)])
    assert result.exit_code == 0, result.output


def test_the_backfill_command_runs_the_flow(db: Path) -> None:
    result = CliRunner().invoke(
        app, ["backfill", "--from", "2026-10-01", "--to", "2026-10-15", "--db", str(db), "--as-of", "2026-11-04T00:00"]
    )
    assert result.exit_code == 0, result.output
    assert "Backfill backfill-" in result.stdout and "case_facts" in result.stdout
    inside = marts(db, "range")["marts.kpi_daily"]
    assert inside["as_of"].unique().to_list() == [LATER]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-10-15", "--to", "2026-10-01"], "is after --to"),
        (["--from", "2026-10-32", "--to", "2026-11-01"], "is not a date"),
        (["--from", "yesterday", "--to", "2026-11-01"], "is not a date"),
        (["--from", "2026-10-01", "--to", "2026-11-01", "--as-of", "soon"], "is not an ISO 8601 time"),
    ],
)
def test_bad_ranges_are_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["backfill", *args, "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
