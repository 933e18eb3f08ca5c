"""The contracts themselves, without GX: one per staged table, naming real columns, each check with a why."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import pytest

from concord.warehouse import SCHEMA_SQL, connect, ensure_schema
from expectations import cases, platform_actions
from expectations.contract import AGENCY_CODES, TableContract, between, not_before, unique_together
from expectations.suites import CONTRACTS, MART_CONTRACTS, STAGED_CONTRACTS, all_contracts

STAGED_TABLES = sorted(f"staging.{t}" for t in re.findall(r"CREATE TABLE IF NOT EXISTS staging\.(\w+)", SCHEMA_SQL))


def _columns(table: str) -> set[str]:
    con = connect()
    ensure_schema(con)
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [schema, name]
    ).fetchall()
    con.close()
    return {c for (c,) in rows}


EVERY_CONTRACT = all_contracts({"cases": 48.0}, 48.0)


def test_every_staged_table_has_exactly_one_contract() -> None:
    assert sorted(c.table for c in STAGED_CONTRACTS) == STAGED_TABLES


def test_the_key_marts_and_the_batches_have_contracts() -> None:
    assert [c.table for c in MART_CONTRACTS] == [
        "marts.case_facts",
        "marts.kpi_daily",
        "marts.backlog_daily",
        "marts.handoffs",
    ]
    assert [c.table for c in EVERY_CONTRACT] == [*(c.table for c in CONTRACTS), "audit.batches"]


@pytest.mark.parametrize("contract", STAGED_CONTRACTS, ids=lambda c: c.table)
def test_every_staged_table_has_sane_volume_bounds(contract: TableContract) -> None:
    (bounds,) = [c.kwargs for c in contract.checks if c.expectation == "expect_table_row_count_to_be_between"]
    assert bounds["min_value"] >= 0 and bounds["max_value"] >= 10_000
    if contract.table in ("staging.agencies", "staging.cases"):  # without these nothing can be reported
        assert bounds["min_value"] >= 1


@pytest.mark.parametrize("contract", EVERY_CONTRACT, ids=lambda c: c.table)
def test_checks_name_columns_the_table_has(contract: TableContract) -> None:
    columns = _columns(contract.table)
    for check in contract.checks:
        named = set(check.kwargs.get("column_set", ())) | set((check.column_name or "").split(",")) - {""}
        assert named <= columns, f"{check.expectation} names {named - columns}, not in {contract.table}"


@pytest.mark.parametrize("contract", EVERY_CONTRACT, ids=lambda c: c.table)
def test_every_check_says_why_in_one_line(contract: TableContract) -> None:
    for check in contract.checks:
        assert check.why.strip() and "\n" not in check.why and len(check.why) <= 120, check


def test_cases_contract_covers_the_brief() -> None:
    checks = {(c.expectation, c.column_name) for c in cases.CONTRACT.checks}
    assert ("expect_compound_columns_to_be_unique", "agency_code,case_id") in checks
    assert ("expect_table_row_count_to_be_between", None) in checks
    assert between("severity", 1, 4, why="x").kwargs in [c.kwargs for c in cases.CONTRACT.checks]
    pair = not_before("closed_at", "detected_at", why="x").kwargs
    assert pair == {
        "column_A": "closed_at",
        "column_B": "detected_at",
        "or_equal": True,
        "ignore_row_if": "either_value_is_missing",
    }
    assert {"$PARAMETER": AGENCY_CODES} in [c.kwargs.get("value_set") for c in cases.CONTRACT.checks]


def test_code_sets_are_the_specs() -> None:
    # The loader, the suites and the demo share concord/codes.py; this states PRODUCT.md's lists once more,
    # independently, so that a typo there cannot teach the loader and the validator the same wrong code.
    from concord import codes

    assert set(codes.PLATFORMS) == {"facebook", "youtube", "tiktok", "zalo", "telegram", "x", "website", "other"}
    assert set(codes.CATEGORIES) == {
        "scam_fraud",
        "phishing",
        "malware",
        "impersonation",
        "harassment",
        "health_misinfo",
        "disaster_misinfo",
        "other",
    }
    assert set(codes.STATUSES) == {"open", "triaged", "referred", "actioned", "closed", "rejected"}
    assert set(codes.TIERS) == {"national", "city", "district", "ward"}
    assert set(codes.ROLES) == {
        "coordination",
        "detection",
        "enforcement",
        "telecom",
        "press",
        "verification",
        "sector",
    }
    assert set(codes.ACTIONS) == {
        "removed",
        "restricted",
        "geo_blocked",
        "labelled",
        "no_violation",
        "no_response",
        "pending",
    }
    assert set(codes.ENFORCEMENT_ACTIONS) == {"removed", "restricted", "geo_blocked", "labelled"}
    assert set(codes.OUTCOMES) == {"accepted", "declined", "returned", "completed"}
    assert cases.PLATFORMS is codes.PLATFORMS and platform_actions.ACTIONS is codes.ACTIONS


def test_version_changes_exactly_when_a_check_does() -> None:
    contract = cases.CONTRACT
    same = TableContract(contract.table, tuple(replace(c) for c in contract.checks))
    changed = TableContract(contract.table, (*contract.checks[:-1], unique_together(("case_id",), why="x")))
    assert re.fullmatch(r"[0-9a-f]{12}", contract.version)
    assert same.version == contract.version
    assert changed.version != contract.version
    assert len({c.version for c in CONTRACTS}) == len(CONTRACTS)


def test_importing_the_validator_does_not_import_gx() -> None:
    # GX takes seconds to import; flows import expectations.validate at start-up.
    code = "import sys, expectations.validate, expectations.suites; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
