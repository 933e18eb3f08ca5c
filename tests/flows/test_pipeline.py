"""The whole pipeline flow under Prefect's test harness, on the seeded demo inbox, into a temporary DuckDB file."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal

from concord.settings import Settings, serving_path
from expectations.suites import all_contracts
from tests.conftest import make_demo_inbox

pytestmark = pytest.mark.prefect

AS_OF = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # local midnight after the demo's last day (2026-10-31)


@pytest.fixture(scope="module")
def demo_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_inbox(tmp_path_factory.mktemp("inbox"))


@pytest.fixture(scope="module")
def two_runs(prefect_harness: None, demo_inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the flow twice over the same inbox; keep what each run left behind."""
    from flows.pipeline import pipeline

    home = tmp_path_factory.mktemp("home")
    db = home / "concord.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONCORD_HOME", str(home))
        mp.setenv("CONCORD_HMAC_KEY", "pipeline-test-key")
        first = pipeline(inbox=demo_inbox, db=db, as_of=AS_OF)
        with duckdb.connect(str(db), read_only=True) as con:
            marts_after_first = {t: con.sql(f"SELECT * FROM {t} ORDER BY ALL").pl() for t in MARTS}
        second = pipeline(inbox=demo_inbox, db=db, as_of=AS_OF)
    return {"first": first, "second": second, "db": db, "home": home, "marts_after_first": marts_after_first}


MARTS = (
    "marts.case_facts",
    "marts.kpi_daily",
    "marts.handoffs",
    "marts.platform_requests",
    "marts.backlog_daily",
    "marts.public_response_coverage",
    "marts.recurrence",
    "marts.hotspots",
)


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_batch_reconciles(two_runs: dict) -> None:
    rows = query(two_runs["db"], "SELECT batch_id, rows_in, rows_loaded, rows_quarantined FROM audit.batches")
    assert rows
    assert all(rows_in == loaded + quarantined for _, rows_in, loaded, quarantined in rows)
    # …and the rows really are where the batch says they are.
    stored = query(
        two_runs["db"],
        """SELECT b.batch_id FROM audit.batches b
           LEFT JOIN (SELECT batch_id, count(*) AS n FROM quarantine.rows GROUP BY 1) q USING (batch_id)
           WHERE coalesce(q.n, 0) <> b.rows_quarantined""",
    )
    assert stored == []


def test_quarantine_holds_exactly_the_generators_bad_rows(two_runs: dict, demo_inbox: Path) -> None:
    manifest = json.loads((demo_inbox / "manifest.json").read_text())
    got = dict(query(two_runs["db"], "SELECT source, count(*) FROM quarantine.rows GROUP BY 1"))
    expected = {s: v["bad_rows"] for s, v in manifest["sources"].items() if v["bad_rows"]}
    assert got == expected
    loaded = dict(query(two_runs["db"], "SELECT source, sum(rows_loaded) FROM audit.batches GROUP BY 1"))
    assert loaded == {s: v["good_rows"] for s, v in manifest["sources"].items()}
    cases = query(two_runs["db"], "SELECT count(*) FROM staging.cases")[0][0]
    assert cases == manifest["sources"]["cases"]["distinct_case_keys"]


def test_no_handle_or_phone_number_is_stored_in_clear(two_runs: dict) -> None:
    leaks = query(
        two_runs["db"],
        r"""SELECT count(*) FROM raw.cases
            WHERE account_handle LIKE '@%' OR regexp_matches(coalesce(notes, ''), '(\+84|\b0)\d{9}\b|@\w+\.\w')""",
    )
    assert leaks == [(0,)]


def test_the_first_run_loads_validates_builds_and_publishes(two_runs: dict) -> None:
    first = two_runs["first"]
    assert first.counts()["rejected"] == 0 and first.counts()["skipped"] == 0
    assert first.marts["marts.case_facts"] == query(two_runs["db"], "SELECT count(*) FROM staging.cases")[0][0]
    suites = query(two_runs["db"], f"SELECT DISTINCT suite_name FROM audit.validations WHERE run_id = '{first.run_id}'")
    assert len(suites) == len(all_contracts(Settings().freshness_limits_h, Settings().freshness_default_h))
    failed = query(
        two_runs["db"], f"SELECT suite_name, why FROM audit.validations WHERE run_id = '{first.run_id}' AND NOT success"
    )
    assert failed == []  # the marts and audit.batches (freshness included) pass on the demo
    assert (two_runs["home"] / "reports" / "data_docs" / "index.html").exists()
    served = duckdb.connect(str(serving_path(two_runs["db"])), read_only=True)
    assert served.execute("SELECT count(*) FROM marts.case_facts").fetchall() == [(first.marts["marts.case_facts"],)]
    assert served.execute("SELECT status FROM audit.runs ORDER BY started_at DESC LIMIT 1").fetchall() == [
        ("completed",)
    ]
    served.close()


def test_a_second_run_loads_nothing_and_changes_no_number(two_runs: dict) -> None:
    second = two_runs["second"]
    assert {b.status for b in second.batches} == {"skipped"}
    assert second.counts()["rows_in"] == 0
    with duckdb.connect(str(two_runs["db"]), read_only=True) as con:
        for table in MARTS:
            assert_frame_equal(
                con.sql(f"SELECT * FROM {table} ORDER BY ALL").pl(), two_runs["marts_after_first"][table]
            )


def test_each_run_leaves_a_chained_evidence_record(two_runs: dict) -> None:
    first, second = two_runs["first"], two_runs["second"]
    rows = query(
        two_runs["db"], "SELECT run_id, record, record_sha256, previous_sha256 FROM audit.evidence ORDER BY created_at"
    )
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (first.run_id, first.evidence_sha256, None),
        (second.run_id, second.evidence_sha256, first.evidence_sha256),
    ]
    record = json.loads(rows[0][1])
    assert record["totals"] == first.counts()
    assert record["marts"] == first.marts
    assert {s["suite"] for s in record["suites"]} == {r["suite"] for r in first.validation}
    assert len(record["files"]) == len(first.batches)
    assert all(len(f["file_sha256"]) == 64 for f in record["files"])
    document = json.loads((two_runs["home"] / "reports" / "evidence" / f"{first.run_id}.json").read_text())
    assert document == {"record_sha256": first.evidence_sha256, "record": record}
    served = duckdb.connect(str(serving_path(two_runs["db"])), read_only=True)
    assert served.execute("SELECT count(*) FROM audit.evidence").fetchall() == [(2,)]
    served.close()


@pytest.fixture
def warehouse_copy(two_runs: dict, tmp_path: Path) -> Path:
    """A copy of the two-run warehouse and its evidence files in a home of its own (safe to tamper with)."""
    home = tmp_path / "home"
    (home / "reports").mkdir(parents=True)
    shutil.copy(two_runs["db"], home / "concord.duckdb")
    shutil.copytree(two_runs["home"] / "reports" / "evidence", home / "reports" / "evidence")
    return home


def test_audit_verify_through_the_cli_finds_a_tampered_number(two_runs: dict, warehouse_copy: Path) -> None:
    from typer.testing import CliRunner

    from concord.cli import app

    db, env = warehouse_copy / "concord.duckdb", {"CONCORD_HOME": str(warehouse_copy)}
    result = CliRunner().invoke(app, ["audit", "verify", "--db", str(db)], env=env)
    assert result.exit_code == 0, result.output
    assert "OK: 2 runs" in result.output

    first = two_runs["first"].run_id
    with duckdb.connect(str(db)) as con:
        con.execute(
            """UPDATE audit.evidence SET record = json_merge_patch(record, '{"totals": {"rows_quarantined": 0}}')
               WHERE run_id = ?""",
            [first],
        )
    result = CliRunner().invoke(app, ["audit", "verify", "--db", str(db)], env=env)
    assert result.exit_code == 1
    assert f"BROKEN {first}: record hash mismatch" in result.output
    assert "totals.rows_quarantined" in result.output
    assert two_runs["second"].run_id not in result.output  # its link to the stored hash still holds


def test_report_builds_the_data_docs_through_the_cli(warehouse_copy: Path) -> None:
    from typer.testing import CliRunner

    from concord.cli import app

    db = warehouse_copy / "concord.duckdb"
    result = CliRunner().invoke(app, ["report", "--db", str(db)], env={"CONCORD_HOME": str(warehouse_copy)})
    assert result.exit_code == 0, result.output
    index = warehouse_copy.resolve() / "reports" / "data_docs" / "index.html"
    assert index.exists() and str(index) in result.output.replace("\n", "")
    runs = query(db, "SELECT DISTINCT run_id FROM audit.validations WHERE run_id LIKE 'report-%'")
    assert len(runs) == 1


# --- the scheduled flows: concord-ingest, concord-metrics, concord-reports (flows/deployments.py) ---


@pytest.fixture(scope="module")
def split_runs(prefect_harness: None, demo_inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The three scheduled flows in turn on a fresh warehouse, with their paths from the settings (as served)."""
    from flows.pipeline import build_reports, ingest_inbox, refresh_metrics

    home = tmp_path_factory.mktemp("split")
    db = home / "concord.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONCORD_HOME", str(home))
        mp.setenv("CONCORD_INBOX", str(demo_inbox))
        mp.setenv("CONCORD_HMAC_KEY", "pipeline-test-key")
        ingest = ingest_inbox(run_validation=False)
        with duckdb.connect(str(serving_path(db)), read_only=True) as served:
            served_after_ingest = {
                "case_facts": served.execute("SELECT count(*) FROM marts.case_facts").fetchall()[0][0],
                "quarantined": served.execute("SELECT count(*) FROM quarantine.rows").fetchall()[0][0],
                "batches": served.execute("SELECT count(*) FROM audit.batches").fetchall()[0][0],
            }
        metrics = refresh_metrics(as_of=AS_OF)
        reports = build_reports(as_of=AS_OF)
    return {
        "ingest": ingest,
        "metrics": metrics,
        "reports": reports,
        "db": db,
        "home": home,
        "served_after_ingest": served_after_ingest,
    }


def test_ingest_publishes_batches_and_quarantine_and_leaves_the_marts_to_metrics(
    split_runs: dict, demo_inbox: Path
) -> None:
    manifest = json.loads((demo_inbox / "manifest.json").read_text())
    ingest = split_runs["ingest"]
    assert ingest.counts()["loaded"] == len(ingest.batches) > 0
    assert ingest.marts == {} and ingest.validation == []
    assert split_runs["served_after_ingest"] == {
        "case_facts": 0,
        "quarantined": sum(v["bad_rows"] for v in manifest["sources"].values()),
        "batches": len(ingest.batches),
    }


def test_ingest_then_metrics_build_the_same_marts_as_one_pipeline_run(split_runs: dict, two_runs: dict) -> None:
    assert split_runs["metrics"].batches == []
    with duckdb.connect(str(split_runs["db"]), read_only=True) as con:
        for table in MARTS:
            assert_frame_equal(
                con.sql(f"SELECT * FROM {table} ORDER BY ALL").pl(), two_runs["marts_after_first"][table]
            )


def test_reports_rebuild_the_marts_validate_every_suite_and_build_the_data_docs(split_runs: dict) -> None:
    from expectations.suites import CONTRACTS

    reports = split_runs["reports"]
    assert reports.batches == [] and reports.marts == split_runs["metrics"].marts
    suites = query(
        split_runs["db"], f"SELECT DISTINCT suite_name FROM audit.validations WHERE run_id = '{reports.run_id}'"
    )
    assert len(suites) == len(reports.validation) == len(CONTRACTS) + 1  # + audit.batches
    assert all(r["success"] for r in reports.validation), [r for r in reports.validation if not r["success"]]
    assert (split_runs["home"] / "reports" / "data_docs" / "index.html").exists()


def test_every_scheduled_run_is_recorded_with_its_flow_and_chained_evidence(split_runs: dict) -> None:
    from concord.evidence import read_chain, read_files, verify_chain

    ingest, metrics, reports = split_runs["ingest"], split_runs["metrics"], split_runs["reports"]
    runs = query(split_runs["db"], "SELECT run_id, status, flow, inbox IS NOT NULL FROM audit.runs ORDER BY started_at")
    assert runs == [
        (ingest.run_id, "completed", "concord-ingest", True),
        (metrics.run_id, "completed", "concord-metrics", False),
        (reports.run_id, "completed", "concord-reports", False),
    ]
    assert [r.split("-")[0] for r, *_ in runs] == ["ingest", "metrics", "reports"]
    with duckdb.connect(str(split_runs["db"]), read_only=True) as con:
        chain = read_chain(con)
    assert [row.record_sha256 for row in chain] == [r.evidence_sha256 for r in (ingest, metrics, reports)]
    assert verify_chain(chain, read_files(split_runs["home"] / "reports" / "evidence")) == []
    records = [json.loads(row.record) for row in chain]
    assert [len(r["files"]) for r in records] == [len(ingest.batches), 0, 0]
    assert [bool(r["marts"]) for r in records] == [False, True, True]
    assert [len(r["suites"]) for r in records] == [0, 0, len(reports.validation)]
    # Only the ingest checked volumes: one verdict per source, as stored in audit.volume_checks.
    assert [[(v["source"], v["status"]) for v in r["volume"]] for r in records] == [
        [(v["source"], v["status"]) for v in sorted(ingest.volume, key=lambda v: v["source"])],
        [],
        [],
    ]
    assert {v["status"] for v in records[0]["volume"]} == {"no_history"}
    with duckdb.connect(str(serving_path(split_runs["db"])), read_only=True) as served:
        assert served.execute("SELECT run_id FROM audit.runs ORDER BY started_at DESC LIMIT 1").fetchall() == [
            (reports.run_id,)
        ]


@pytest.mark.parametrize(
    ("steps", "inbox", "message"),
    [
        (("ingest", "publish"), Path("inbox"), "unknown steps"),  # publishing is part of every run, not a step
        (("ingest",), None, "needs an inbox"),
    ],
)
def test_a_run_of_impossible_steps_is_refused_before_it_opens_the_warehouse(
    steps: tuple[str, ...], inbox: Path | None, message: str, tmp_path: Path
) -> None:
    from flows.pipeline import run_steps

    with pytest.raises(ValueError, match=message):
        run_steps("concord-test", steps, inbox, tmp_path / "concord.duckdb", None)
    assert not (tmp_path / "concord.duckdb").exists()


def test_volume_checks_judge_each_source_per_run(two_runs: dict) -> None:
    first, second = two_runs["first"], two_runs["second"]
    rows = query(
        two_runs["db"],
        "SELECT run_id, source, status, rows_loaded, history_runs FROM audit.volume_checks ORDER BY run_id, source",
    )
    loaded = dict(query(two_runs["db"], "SELECT source, sum(rows_loaded) FROM audit.batches GROUP BY 1"))
    # The first run has no earlier run to compare with; the second delivered nothing new (every file skipped).
    expected = sorted(
        [(first.run_id, s, "no_history", loaded[s], 0) for s in loaded]
        + [(second.run_id, s, "no_delivery", 0, 1) for s in loaded]
    )
    assert rows == expected
    assert [(r["source"], r["status"]) for r in second.volume] == [(s, "no_delivery") for s in sorted(loaded)]
    served = duckdb.connect(str(serving_path(two_runs["db"])), read_only=True)
    assert served.execute("SELECT count(*) FROM audit.volume_checks").fetchall() == [(len(expected),)]
    served.close()
