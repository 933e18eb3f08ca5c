"""Validate the warehouse's tables (staging, key marts, audit.batches) with their GX suites, by push-down on DuckDB.

GX computes each expectation with SQL inside DuckDB (no table is copied into pandas). Every
expectation result becomes a row of ``audit.validations``; Data Docs (static HTML) render the run for
auditors. GX is imported inside functions only: importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from concord.settings import Settings
from concord.warehouse import connect, ensure_schema
from expectations.contract import AGENCY_CODES, Check, TableContract
from expectations.suites import all_contracts, build_suite

DATA_DOCS_SITE = "concord"
RESULT_FORMAT = "SUMMARY"  # counts plus at most 20 example values per expectation; never whole columns

_COLUMNS = (
    "run_id",
    "validated_at",
    "suite_name",
    "suite_version",
    "table_name",
    "expectation_type",
    "column_name",
    "why",
    "success",
    "observed_value",
    "unexpected_count",
    "element_count",
    "details",
)


def validate_warehouse(
    db_path: Path, run_id: str, docs_dir: Path | None = None, contracts: Sequence[TableContract] | None = None
) -> list[dict[str, Any]]:
    """Validate tables by push-down, store results in audit.validations, build Data Docs.

    ``contracts`` defaults to every staged table, the key marts and audit.batches with the configured freshness
    limits. Returns one summary per suite: suite, table, suite_version, success, evaluated, failed.
    """
    from great_expectations.core.run_identifier import RunIdentifier

    from expectations import gx_duckdb

    if contracts is None:
        settings = Settings()
        contracts = all_contracts(settings.freshness_limits_h, settings.freshness_default_h)
    con = connect(db_path)
    try:
        ensure_schema(con)
    finally:
        con.close()

    validated_at = dt.datetime.now(dt.UTC)
    context = _context(docs_dir)
    gx_run = RunIdentifier(run_name=run_id, run_time=validated_at)
    outcomes: list[tuple[TableContract, list[dict[str, Any]]]] = []
    # The GX connection must be closed before the warehouse is opened again to store the results.
    schemas = sorted({contract.schema for contract in contracts})
    with gx_duckdb.datasource(context, "warehouse", Path(db_path), schemas) as source:
        parameters = {AGENCY_CODES: _agency_codes(source)}
        for contract in contracts:
            suite_result = _validation_definition(context, source, contract).run(
                expectation_parameters=parameters, result_format=RESULT_FORMAT, run_id=gx_run
            )
            outcomes.append((contract, [r.to_json_dict() for r in suite_result.results]))

    rows = [row for contract, results in outcomes for row in result_rows(contract, results, run_id, validated_at)]
    con = connect(db_path)
    try:
        store_results(con, run_id, [contract.suite_name for contract, _ in outcomes], rows)
    finally:
        con.close()

    if docs_dir is not None:
        from expectations.data_docs import make_offline

        context.build_data_docs(site_names=[DATA_DOCS_SITE])
        make_offline(Path(docs_dir).resolve())
    return [summary(contract, results) for contract, results in outcomes]


def result_rows(
    contract: TableContract, results: Iterable[Mapping[str, Any]], run_id: str, validated_at: dt.datetime
) -> list[dict[str, Any]]:
    """One ``audit.validations`` row per GX expectation result (as ``ExpectationValidationResult.to_json_dict()``)."""
    rows = []
    for result in results:
        config = result["expectation_config"]
        kwargs = {k: v for k, v in config["kwargs"].items() if k != "batch_id"}
        outcome = result.get("result") or {}
        errors = _exception_messages(result.get("exception_info"))
        rows.append(
            {
                "run_id": run_id,
                "validated_at": validated_at,
                "suite_name": contract.suite_name,
                "suite_version": contract.version,
                "table_name": contract.table,
                "expectation_type": config["type"],
                "column_name": Check(config["type"], kwargs, "").column_name,
                "why": (config.get("meta") or {}).get("why"),
                "success": bool(result["success"]) and not errors,
                "observed_value": observed_value(outcome),
                "unexpected_count": outcome.get("unexpected_count"),
                "element_count": outcome.get("element_count"),
                "details": json.dumps(
                    {"kwargs": kwargs, "result": outcome, "errors": errors}, ensure_ascii=False, default=str
                ),
            }
        )
    return rows


def observed_value(outcome: Mapping[str, Any]) -> str | None:
    """What GX observed, as text: the aggregate it measured, or the unexpected share for row-by-row checks."""
    if "observed_value" in outcome:
        value = outcome["observed_value"]
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    rows, unexpected = outcome.get("element_count"), outcome.get("unexpected_count")
    if rows == 0:
        return "no rows"
    if rows is not None and unexpected is not None:
        return f"{unexpected} of {rows} rows unexpected"
    return None


def summary(contract: TableContract, results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The suite's verdict for the run's evidence record."""
    failed = sum(1 for r in results if not r["success"] or _exception_messages(r.get("exception_info")))
    return {
        "suite": contract.suite_name,
        "table": contract.table,
        "suite_version": contract.version,
        "success": failed == 0,
        "evaluated": len(results),
        "failed": failed,
    }


def store_results(
    con: duckdb.DuckDBPyConnection, run_id: str, suite_names: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Replace this run's rows for these suites in ``audit.validations``, in one transaction: reruns change nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "DELETE FROM audit.validations WHERE run_id = ? AND list_contains(?, suite_name)",
            [run_id, list(suite_names)],
        )
        if rows:
            con.executemany(
                f"INSERT INTO audit.validations ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})",
                [[row[c] for c in _COLUMNS] for row in rows],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _context(docs_dir: Path | None) -> Any:
    """An in-memory GX context (nothing persisted but Data Docs), quiet: no progress bars, no analytics."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites[DATA_DOCS_SITE] = {
            "class_name": "SiteBuilder",
            # GX needs an absolute base directory (a relative one fails when the site is built).
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(docs_dir).resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        data_docs_sites=sites,
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _agency_codes(source: Any) -> list[str]:
    """The member agencies' codes, read through GX's own connection (the set referential checks compare to)."""
    import sqlalchemy as sa

    query = sa.text("SELECT DISTINCT agency_code FROM staging.agencies WHERE agency_code IS NOT NULL ORDER BY 1")
    return [code for (code,) in source.get_execution_engine().execute_query(query).fetchall()]


def _validation_definition(context: Any, source: Any, contract: TableContract) -> Any:
    """The GX validation definition of a contract: its suite against the whole table."""
    import great_expectations as gx

    from expectations import gx_duckdb

    asset = gx_duckdb.table_asset(source, contract.schema, contract.table_name)
    batch = asset.add_batch_definition_whole_table(name="whole table")
    suite = context.suites.add(build_suite(contract))
    return context.validation_definitions.add(
        gx.ValidationDefinition(name=contract.suite_name, data=batch, suite=suite)
    )


def _exception_messages(exception_info: Any) -> list[str]:
    """The messages of exceptions GX caught while computing a result (its shape varies: flat, or per metric)."""
    if not exception_info:
        return []
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    return [str(i.get("exception_message")) for i in infos if isinstance(i, Mapping) and i.get("raised_exception")]
