"""Every table's contract, and how a contract becomes a Great Expectations suite.

GX is imported inside :func:`build_suite` only: importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from expectations import (
    agencies,
    backlog_daily,
    batches,
    case_facts,
    cases,
    handoffs,
    kpi_daily,
    platform_actions,
    public_response_targets,
    public_responses,
    referrals,
)
from expectations.contract import Check, TableContract

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations.expectation import Expectation

STAGED_CONTRACTS: tuple[TableContract, ...] = (
    agencies.CONTRACT,
    cases.CONTRACT,
    referrals.CONTRACT,
    platform_actions.CONTRACT,
    public_responses.CONTRACT,
    public_response_targets.CONTRACT,
)
"""One contract per staged table, in load order (agencies first: the others refer to it)."""

MART_CONTRACTS: tuple[TableContract, ...] = (
    case_facts.CONTRACT,
    kpi_daily.CONTRACT,
    backlog_daily.CONTRACT,
    handoffs.CONTRACT,
)
"""The key marts, validated after they are built in the same run."""

CONTRACTS: tuple[TableContract, ...] = STAGED_CONTRACTS + MART_CONTRACTS
"""Every contract that does not depend on configuration."""


def all_contracts(
    freshness_limits_h: Mapping[str, float], freshness_default_h: float, *, marts: bool = True
) -> tuple[TableContract, ...]:
    """What a run validates: staged tables, the key marts (unless ``marts`` is false), and audit.batches with these
    freshness limits (hours)."""
    chosen = CONTRACTS if marts else STAGED_CONTRACTS
    return (*chosen, batches.contract(freshness_limits_h, freshness_default_h))


def build_expectation(check: Check) -> Expectation:
    """The GX expectation for one check; its *why* goes into ``meta`` and into the notes Data Docs shows."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    configuration = ExpectationConfiguration(
        type=check.expectation, kwargs=dict(check.kwargs), meta={"why": check.why}, notes=check.why
    )
    return configuration.to_domain_obj()


def build_suite(contract: TableContract) -> ExpectationSuite:
    """The GX suite for a contract, named after its table, with the contract's version in ``meta``."""
    import great_expectations as gx

    return gx.ExpectationSuite(
        name=contract.suite_name,
        expectations=[build_expectation(check) for check in contract.checks],
        meta={"table": contract.table, "suite_version": contract.version},
    )
