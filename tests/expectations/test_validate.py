"""validate_warehouse end to end on a temporary DuckDB file: good rows pass, planted bad rows fail exactly.

Each warehouse is validated once per module (GX is slow to start); the tests read what it left behind.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from concord.settings import Settings
from concord.warehouse import connect, ensure_schema
from expectations import batches
from expectations.suites import CONTRACTS, MART_CONTRACTS, STAGED_CONTRACTS, all_contracts
from expectations.validate import result_rows, store_results, validate_warehouse
from transforms.build import build_marts

pytestmark = pytest.mark.timeout(120)

GOOD_ROWS = """
INSERT INTO staging.agencies VALUES
    ('HCM-CA', 'Công an Thành phố', 'City Police', 'city', 'enforcement', NULL, 'b1', 1),
    ('HCM-TT', 'Sở Thông tin và Truyền thông', 'Information Department', 'city', 'coordination', NULL, 'b1', 2),
    ('Q1-UB', 'Ủy ban nhân dân Quận 1', 'District 1 Committee', 'district', 'detection', 'HCM-TT', 'b1', 3);
INSERT INTO staging.cases
    (agency_code, case_id, detected_at, url, url_key, platform, category, severity, reach, status,
     triaged_at, closed_at, batch_id, row_number)
VALUES
    ('HCM-TT', 'C1', '2025-03-01 02:00+00', 'https://fb.com/p/1', 'fb.com/p/1', 'facebook', 'scam_fraud', 4, 12000,
     'closed', '2025-03-01 03:00+00', '2025-03-02 02:00+00', 'b2', 1),
    ('Q1-UB', 'C1', '2025-03-01 05:00+00', 'https://fb.com/p/1', 'fb.com/p/1', 'facebook', 'scam_fraud', 3, NULL,
     'referred', '2025-03-01 05:00+00', NULL, 'b2', 2),  -- triaged the instant it was detected: allowed
    ('HCM-CA', 'X-7', '2025-03-02 10:00+00', 'http://bad.example/login', 'bad.example/login', 'website', 'phishing',
     2, 0, 'open', NULL, NULL, 'b2', 3);
INSERT INTO staging.referrals VALUES
    ('R1', 'Q1-UB', 'C1', 'Q1-UB', 'HCM-TT', '2025-03-01 06:00+00', '2025-03-01 07:00+00', NULL, 'accepted', 'b3', 1),
    ('R2', 'HCM-TT', 'C1', 'HCM-TT', 'HCM-CA', '2025-03-01 08:00+00', NULL, NULL, NULL, 'b3', 2);
INSERT INTO staging.platform_actions VALUES
    ('P1', 'HCM-TT', 'C1', 'facebook', '2025-03-01 04:00+00', '2025-03-01 05:00+00', 'removed', 'b4', 1),
    ('P2', 'HCM-CA', 'X-7', 'website', '2025-03-02 11:00+00', NULL, 'pending', 'b4', 2);
INSERT INTO staging.public_responses VALUES
    ('urn:pr:1', 'https://press.example/1', 'Cảnh báo lừa đảo', '2025-03-01 12:00+00', 'scam', 'b5', 1);
INSERT INTO staging.public_response_targets VALUES
    ('urn:pr:1', 'https://fb.com/p/1', 'fb.com/p/1');
INSERT INTO audit.batches VALUES
    ('b1', 'r', 'agencies', 'agencies.csv', 'a1', 1, 'loaded', NULL, 3, 3, 0, NULL, now() - INTERVAL 20 DAY),
    ('b2', 'r', 'cases', 'cases.csv', 'a2', 1, 'loaded', NULL, 3, 3, 0, NULL, now() - INTERVAL 1 HOUR),
    ('b3', 'r', 'referrals', 'referrals.jsonl', 'a3', 1, 'loaded', NULL, 2, 2, 0, NULL, now()),
    ('b4', 'r', 'platform_actions', 'pa.csv', 'a4', 1, 'loaded', NULL, 3, 2, 1, NULL, now()),
    ('b5', 'r', 'public_responses', 'pr.xml', 'a5', 1, 'loaded', NULL, 1, 1, 0, NULL, now()),
    ('b6', 'r', 'cases', 'cases.csv', 'a2', 1, 'skipped', 'already loaded', 0, 0, 0, NULL, now());
"""

# Each planted row breaks exactly one rule and is otherwise valid.
BAD_ROWS = """
INSERT INTO staging.cases
    (agency_code, case_id, detected_at, url, url_key, platform, category, severity, reach, status,
     triaged_at, closed_at, batch_id, row_number)
VALUES
    ('HCM-TT', 'C1', '2025-03-03 02:00+00', 'https://fb.com/p/9', 'fb.com/p/9', 'facebook', 'scam_fraud', 1, 5,
     'open', NULL, NULL, 'b9', 1),                                             -- duplicate key (HCM-TT, C1)
    ('HCM-CA', 'S-7', '2025-03-03 02:00+00', 'https://t.me/s', 't.me/s', 'telegram', 'malware', 7, 5,
     'open', NULL, NULL, 'b9', 2),                                             -- severity 7
    ('HCM-CA', 'T-1', '2025-03-03 02:00+00', 'https://yt.be/v', 'yt.be/v', 'youtube', 'harassment', 2, 5,
     'closed', NULL, '2025-03-03 01:59+00', 'b9', 3),                          -- closed before detected
    ('HCM-CA', 'P-1', '2025-03-03 02:00+00', 'https://myspace.com/u', 'myspace.com/u', 'myspace', 'other', 2, 5,
     'open', NULL, NULL, 'b9', 4);                                             -- unknown platform
"""

# (expectation type, column) -> unexpected count, for the planted rows above.
PLANTED_FAILURES = {
    ("expect_compound_columns_to_be_unique", "agency_code,case_id"): 2,  # both rows sharing the key
    ("expect_column_values_to_be_between", "severity"): 1,
    ("expect_column_pair_values_a_to_be_greater_than_b", "closed_at,detected_at"): 1,
    ("expect_column_values_to_be_in_set", "platform"): 1,
}

SETTINGS = Settings()
ALL_CONTRACTS = all_contracts(SETTINGS.freshness_limits_h, SETTINGS.freshness_default_h)
TOTAL_CHECKS = sum(len(c.checks) for c in ALL_CONTRACTS)
AS_OF = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)


def _warehouse(path: Path, *inserts: str, marts: bool = False) -> Path:
    con = connect(path)
    ensure_schema(con)
    for sql in inserts:
        con.execute(sql)
    if marts:
        build_marts(con, AS_OF, SETTINGS.sla_hours)
    con.close()
    return path


def _rows(path: Path, where: str = "true") -> list[dict[str, Any]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute(
            f"SELECT * FROM audit.validations WHERE {where} ORDER BY suite_name, expectation_type, column_name"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict]]:
    folder = tmp_path_factory.mktemp("good")
    db = _warehouse(folder / "w.duckdb", GOOD_ROWS, marts=True)
    docs = folder / "data_docs"
    return db, docs, validate_warehouse(db, "run-good", docs)


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    db = _warehouse(tmp_path_factory.mktemp("bad") / "w.duckdb", GOOD_ROWS, BAD_ROWS)
    return db, validate_warehouse(db, "run-bad", contracts=STAGED_CONTRACTS)


def test_good_rows_pass_every_suite(good: tuple[Path, Path, list[dict]]) -> None:
    _, _, summaries = good
    expected = [
        {
            "suite": c.suite_name,
            "table": c.table,
            "suite_version": c.version,
            "success": True,
            "evaluated": len(c.checks),
            "failed": 0,
        }
        for c in ALL_CONTRACTS
    ]
    assert summaries == expected


def test_good_rows_have_real_observed_values(good: tuple[Path, Path, list[dict]]) -> None:
    db, _, _ = good
    rows = _rows(db)
    assert len(rows) == TOTAL_CHECKS
    assert all(r["success"] and r["observed_value"] for r in rows), [r for r in rows if not r["observed_value"]]
    by_key = {(r["table_name"], r["expectation_type"], r["column_name"]): r for r in rows}
    assert by_key["staging.cases", "expect_table_row_count_to_be_between", None]["observed_value"] == "3"
    severity = by_key["staging.cases", "expect_column_values_to_be_between", "severity"]
    assert (severity["observed_value"], severity["unexpected_count"], severity["element_count"]) == (
        "0 of 3 rows unexpected",
        0,
        3,
    )
    columns = json.loads(by_key["staging.agencies", "expect_table_columns_to_match_set", None]["observed_value"])
    assert columns == sorted(
        ["agency_code", "name", "name_en", "tier", "role", "parent_code", "batch_id", "row_number"]
    )


def test_planted_bad_rows_fail_exactly_their_expectations(bad: tuple[Path, list[dict]]) -> None:
    db, summaries = bad
    failed = {
        (r["expectation_type"], r["column_name"]): r["unexpected_count"]
        for r in _rows(db, "NOT success")
        if r["table_name"] == "staging.cases"
    }
    assert failed == PLANTED_FAILURES
    assert [(s["suite"], s["failed"]) for s in summaries if not s["success"]] == [("staging.cases", 4)]
    assert len(_rows(db, "NOT success")) == 4


def test_failures_keep_examples_for_auditors(bad: tuple[Path, list[dict]]) -> None:
    db, _ = bad
    platform = _rows(db, "NOT success AND column_name = 'platform'")[0]
    assert platform["observed_value"] == "1 of 7 rows unexpected"
    assert json.loads(platform["details"])["result"]["partial_unexpected_list"] == ["myspace"]


def test_results_carry_the_contract(good: tuple[Path, Path, list[dict]]) -> None:
    db, _, _ = good
    rows = _rows(db)
    for contract in ALL_CONTRACTS:
        stored = [r for r in rows if r["suite_name"] == contract.suite_name]
        assert {r["suite_version"] for r in stored} == {contract.version}
        assert {r["table_name"] for r in stored} == {contract.table}
        assert sorted(r["why"] for r in stored) == sorted(c.why for c in contract.checks)
    assert {r["run_id"] for r in rows} == {"run-good"}
    assert len({r["validated_at"] for r in rows}) == 1


def test_agency_codes_are_read_from_the_warehouse_at_validation_time(good: tuple[Path, Path, list[dict]]) -> None:
    db, _, _ = good
    row = _rows(db, "suite_name = 'staging.cases' AND column_name = 'agency_code' AND expectation_type LIKE '%in_set'")[
        0
    ]
    assert json.loads(row["details"])["kwargs"]["value_set"] == ["HCM-CA", "HCM-TT", "Q1-UB"]


def test_data_docs_are_static_html_naming_every_suite(good: tuple[Path, Path, list[dict]]) -> None:
    _, docs, _ = good
    index = (docs / "index.html").read_text(encoding="utf-8")
    for contract in ALL_CONTRACTS:
        assert contract.suite_name in index
    suite_page = (docs / "expectations" / "staging" / "cases.html").read_text(encoding="utf-8")
    assert "Severity picks the SLA target" in suite_page  # the why, as the expectation's note


def test_validation_releases_the_warehouse(good: tuple[Path, Path, list[dict]]) -> None:
    db, _, _ = good
    # Any connection GX left open would make this fail ("different configuration").
    duckdb.connect(str(db), read_only=True).close()


def test_storing_a_run_twice_replaces_its_rows(tmp_path: Path) -> None:
    con = connect(":memory:")
    ensure_schema(con)
    contract = CONTRACTS[0]
    result = {
        "success": True,
        "expectation_config": {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 1},
            "meta": {"why": "w"},
        },
        "result": {"observed_value": 3},
        "exception_info": {"raised_exception": False},
    }
    rows = result_rows(contract, [result], "r1", dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    store_results(con, "r1", [contract.suite_name], rows)
    store_results(con, "r1", [contract.suite_name], rows)
    assert con.execute("SELECT count(*), any_value(observed_value) FROM audit.validations").fetchone() == (1, "3")


def test_an_expectation_that_errors_is_stored_as_failed() -> None:
    result = {
        "success": False,
        "expectation_config": {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": "x", "batch_id": "b"},
        },
        "result": {},
        "exception_info": {"('column_values.nonnull', 'x')": {"raised_exception": True, "exception_message": "boom"}},
    }
    (row,) = result_rows(CONTRACTS[0], [result], "r1", dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert (row["success"], row["observed_value"], row["column_name"]) == (False, None, "x")
    assert json.loads(row["details"]) == {"kwargs": {"column": "x"}, "result": {}, "errors": ["boom"]}


def test_data_docs_build_into_a_relative_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`concord demo` passes `.concord/reports/data_docs`; GX refuses relative store paths unless we resolve them."""
    monkeypatch.chdir(tmp_path)
    con = connect(tmp_path / "w.duckdb")
    ensure_schema(con)
    con.close()
    validate_warehouse(Path("w.duckdb"), "run-relative", Path("reports/data_docs"))
    assert (tmp_path / "reports" / "data_docs" / "index.html").exists()


# Each tampering breaks mart rules the way a transform bug would.
TAMPERED_MARTS = """
DELETE FROM marts.case_facts WHERE agency_code = 'HCM-CA' AND case_id = 'X-7';      -- a lost case
UPDATE marts.case_facts SET time_to_action_h = -1.5 WHERE case_id = 'C1' AND agency_code = 'HCM-TT';
UPDATE marts.kpi_daily SET sla_met = sla_met + 1 WHERE agency_code = 'Q1-UB' AND cases_detected = 1;      -- met + breached + pending ≠ new
"""


def test_planted_mart_bugs_fail_exactly_their_expectations(tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "w.duckdb", GOOD_ROWS, marts=True)
    with duckdb.connect(str(db)) as con:
        con.execute(TAMPERED_MARTS)

    summaries = validate_warehouse(db, "run-marts", contracts=MART_CONTRACTS)

    failed = sorted(
        (r["table_name"], r["expectation_type"], r["why"][:30], r["observed_value"]) for r in _rows(db, "NOT success")
    )
    assert failed == [
        (
            "marts.case_facts",
            "expect_column_values_to_be_between",
            "A negative delay would count a",
            "1 of 2 rows unexpected",
        ),
        ("marts.case_facts", "unexpected_rows_expectation", "One fact per staged case: a lo", "1"),
        ("marts.kpi_daily", "unexpected_rows_expectation", "Daily new cases must add up to", "1"),
        ("marts.kpi_daily", "unexpected_rows_expectation", "Every case detected on a day i", "1"),
    ]
    assert {s["suite"]: s["failed"] for s in summaries} == {
        "marts.case_facts": 2,
        "marts.kpi_daily": 2,
        "marts.backlog_daily": 0,
        "marts.handoffs": 0,
    }


FRESHNESS_BATCHES = """
INSERT INTO audit.batches VALUES
    ('a', 'r', 'agencies', 'a.csv', 's1', 1, 'loaded', NULL, 1, 1, 0, NULL, now() - INTERVAL 10 DAY),
    ('c', 'r', 'cases', 'c.csv', 's2', 1, 'loaded', NULL, 1, 1, 0, NULL, now() - INTERVAL 3 DAY),
    ('c2', 'r', 'cases', 'c.csv', 's2', 1, 'skipped', 'again', 0, 0, 0, NULL, now()),    -- a re-delivery: not fresh
    ('c3', 'r', 'cases', 'd.csv', 's3', 1, 'rejected', 'empty', 0, 0, 0, NULL, now()),   -- a rejected file: not fresh
    ('u', 'r', 'feeds/urlhaus', 'u.csv', 's4', 1, 'loaded', NULL, 1, 1, 0, NULL, now() - INTERVAL 1 HOUR);
"""


def test_freshness_fails_for_stale_and_never_loaded_sources(tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "w.duckdb", FRESHNESS_BATCHES)
    limits = {"agencies": 720.0, "cases": 48.0, "referrals": 48.0}
    strict, lenient = batches.contract(limits, 2.0), batches.contract({**limits, "cases": 100.0}, 2.0)
    assert strict.version != lenient.version

    validate_warehouse(db, "run-strict", contracts=[strict])
    validate_warehouse(db, "run-lenient", contracts=[lenient])

    def freshness(run_id: str) -> dict:
        (row,) = _rows(db, f"run_id = '{run_id}' AND why LIKE 'A source whose newest%'")
        return row

    # cases (3 days > 48 h) and referrals (never loaded) are stale; agencies (10 days < 30) and the
    # unconfigured feed (1 h < the 2 h default) are fresh.
    assert (freshness("run-strict")["success"], freshness("run-strict")["observed_value"]) == (False, "2")
    assert (freshness("run-lenient")["success"], freshness("run-lenient")["observed_value"]) == (False, "1")
    with duckdb.connect(str(db)) as con:
        stale = con.sql(batches.freshness_query({**limits, "cases": 100.0}, 2.0).replace("{batch}", "audit.batches"))
        assert stale.fetchall()[0][0] == "referrals"
    passing = batches.contract({"agencies": 720.0, "cases": 100.0}, 2.0)
    validate_warehouse(db, "run-passing", contracts=[passing])
    assert freshness("run-passing")["success"] is True
