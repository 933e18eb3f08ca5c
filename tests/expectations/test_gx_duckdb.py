"""The DuckDB workaround in expectations/gx_duckdb.py: it works, and these sentinels say when upstream makes it moot.

The two ``test_upstream_*`` tests assert that the upstream bugs are *still there*. When one fails, GX,
duckdb-engine or DuckDB has fixed its bug: delete that part of expectations/gx_duckdb.py, then the sentinel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from concord.warehouse import connect

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five rows in main.t (only bug 1 applies) and the same five in staging.t (bugs 1 and 2)."""
    path = tmp_path_factory.mktemp("gx_duckdb") / "w.duckdb"
    con = connect(path)
    con.execute("CREATE SCHEMA staging")
    for table in ("main.t", "staging.t"):
        con.execute(f"CREATE TABLE {table} AS SELECT range::INTEGER AS id, range % 3 AS code FROM range(5)")
    con.close()
    return path


@pytest.fixture
def unpatched() -> Iterator[None]:
    """GX exactly as released: without the duckdb entry that gx_duckdb.install() adds."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    patched = engine_module._PERSISTED_CONNECTION_DIALECTS
    engine_module._PERSISTED_CONNECTION_DIALECTS = tuple(d for d in patched if d.value != "duckdb")  # type: ignore[assignment]
    try:
        yield
    finally:
        engine_module._PERSISTED_CONNECTION_DIALECTS = patched


def _context():  # type: ignore[no-untyped-def]
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(), progress_bars=ProgressBarsConfig(globally=False)
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def test_upstream_still_loses_duckdb_results(db: Path, unpatched: None) -> None:
    import great_expectations as gx

    source = _context().data_sources.add_sql(name="plain", connection_string=f"duckdb:///{db}")
    try:
        batch = source.add_table_asset(name="t", table_name="t").add_batch_definition_whole_table("all").get_batch()
        result = batch.validate(gx.expectations.ExpectTableRowCountToBeBetween(min_value=1))
    finally:
        source.get_execution_engine().engine.dispose()
        source.get_engine().dispose()
    assert not result.success and result.result == {}, (
        "GX now returns DuckDB results without a persisted connection: upstream fixed "
        "great_expectations#10738/#11579. Remove install() from expectations/gx_duckdb.py and this test."
    )


def test_upstream_still_cannot_reflect_duckdb_columns(db: Path) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(f"duckdb:///{db}")
    try:
        with pytest.raises(sa.exc.ProgrammingError, match="pg_collation"):
            sa.inspect(engine).get_columns("t", schema="staging")
    finally:
        engine.dispose()
    # If this fails, reflection works again (duckdb_engine#1379 / duckdb#22069 fixed): the
    # search_path setting in expectations/gx_duckdb.datasource() is no longer needed.


def test_patched_datasource_pushes_down_with_real_observed_values(db: Path) -> None:
    import great_expectations as gx

    from expectations import gx_duckdb

    context = _context()
    with gx_duckdb.datasource(context, "warehouse", db, schemas=["staging"]) as source:
        asset = gx_duckdb.table_asset(source, "staging", "t")
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        suite = gx.ExpectationSuite(
            name="t",
            expectations=[
                gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
                gx.expectations.ExpectTableColumnsToMatchSet(column_set=["id", "code"]),
                gx.expectations.ExpectColumnValuesToBeInSet(column="code", value_set=[0, 1]),
                gx.expectations.ExpectColumnValuesToBeUnique(column="id"),
            ],
        )
        validated = batch.validate(suite, result_format="SUMMARY").results
        results = {r.expectation_config.type: r for r in validated if r.expectation_config}

    assert all(not r.exception_info.get("raised_exception") for r in results.values())
    assert results["expect_table_row_count_to_be_between"].result["observed_value"] == 5
    assert results["expect_table_columns_to_match_set"].result["observed_value"] == ["code", "id"]
    in_set = results["expect_column_values_to_be_in_set"]
    assert (in_set.success, in_set.result["unexpected_count"], in_set.result["element_count"]) == (False, 1, 5)
    assert in_set.result["partial_unexpected_list"] == [2]  # code = 2 only for id 2
    assert results["expect_column_values_to_be_unique"].success


def test_datasource_releases_the_file_on_exit(db: Path) -> None:
    import sqlalchemy as sa

    from expectations import gx_duckdb

    with gx_duckdb.datasource(_context(), "warehouse", db, schemas=["staging"]) as source:
        source.get_execution_engine().execute_query(sa.text("SELECT 1")).fetchall()
    # A plain connection with another configuration fails while any duckdb-engine connection is open.
    duckdb.connect(str(db), read_only=True).close()


def test_install_is_idempotent() -> None:
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    from expectations import gx_duckdb

    gx_duckdb.install()
    gx_duckdb.install()
    assert sum(1 for d in engine_module._PERSISTED_CONNECTION_DIALECTS if d == "duckdb") == 1
