"""A Great Expectations datasource that pushes expectations down to the DuckDB warehouse.

This module is a workaround for two upstream incompatibilities and the only place that knows about
them (measured with great-expectations 1.24.1, duckdb-engine 0.17, SQLAlchemy 2.1, DuckDB 2.0). When
``tests/expectations/test_gx_duckdb.py`` reports that one is fixed upstream, delete its part here.

1. **Every result is lost** (https://github.com/great-expectations/great_expectations/issues/10738,
   https://github.com/great-expectations/great_expectations/issues/11579). GX's
   ``SqlAlchemyExecutionEngine.execute_query`` runs a query inside ``with engine.connect()`` and returns
   the result *unfetched*. Leaving the block hands the connection back to the pool, which rolls it back;
   duckdb-engine runs every statement on the DuckDB connection itself (its cursor is the connection),
   so that ROLLBACK replaces the pending result. Every metric comes back empty and every expectation
   "fails" with no observed value. GX already keeps one persisted connection per execution engine (and
   a ``StaticPool``) for sqlite, SQL Server, BigQuery and Databricks; :func:`install` adds ``duckdb`` to
   that list, ``sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS``.

2. **Column reflection fails** (https://github.com/Mause/duckdb_engine/issues/1379,
   https://github.com/duckdb/duckdb/issues/22069): SQLAlchemy >= 2.0.45 reads ``pg_catalog.pg_collation``,
   which DuckDB lacks. GX then lists columns with ``SELECT * FROM <table> LIMIT 1`` *without the schema*,
   and a table outside ``main`` "does not exist". :func:`datasource` puts the tables' schemas on the
   connection's ``search_path`` so that fallback finds them; :func:`table_asset` still names the schema,
   so every query GX generates is fully qualified.

Import this module only inside functions: importing GX takes seconds.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from great_expectations.data_context.data_context.abstract_data_context import AbstractDataContext
    from great_expectations.datasource.fluent.sql_datasource import SQLDatasource, TableAsset


class _DuckDBDialect(enum.StrEnum):
    """Stands in the list of GX dialect names: compares equal to ``"duckdb"`` and has a ``.value``, like GX's own."""

    DUCKDB = "duckdb"


def install() -> None:
    """Make GX keep one persisted connection per execution engine for DuckDB, as it does for sqlite (idempotent)."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    persisted = engine_module._PERSISTED_CONNECTION_DIALECTS
    if "duckdb" not in persisted:
        engine_module._PERSISTED_CONNECTION_DIALECTS = (*persisted, _DuckDBDialect.DUCKDB)  # type: ignore[assignment]


@contextmanager
def datasource(
    context: AbstractDataContext, name: str, db_path: Path, schemas: Sequence[str]
) -> Iterator[SQLDatasource]:
    """Add a SQL datasource on the DuckDB file to ``context``; on exit close every connection it opened.

    Closing matters: DuckDB lets one process hold a file through one configuration only, and the
    pipeline reopens the warehouse with its own as soon as validation is done.
    """
    import sqlalchemy as sa

    install()
    source = context.data_sources.add_sql(name=name, connection_string=f"duckdb:///{Path(db_path).resolve()}")
    execution_engine = source.get_execution_engine()

    @sa.event.listens_for(execution_engine.engine, "connect")
    def _session_settings(dbapi_connection: Any, _record: Any) -> None:
        # search_path: see problem 2 above. UTC: the warehouse stores and shows timestamps in UTC.
        dbapi_connection.execute(f"SET search_path = '{','.join(schemas)}'")
        dbapi_connection.execute("SET TimeZone = 'UTC'")

    try:
        yield source
    finally:
        if execution_engine._connection is not None:
            execution_engine._connection.close()
            execution_engine._connection = None
        execution_engine.engine.dispose()
        source.get_engine().dispose()


def table_asset(source: SQLDatasource, schema: str, table: str) -> TableAsset:
    """The asset ``schema.table``, named so, whose queries all name the schema."""
    with warnings.catch_warnings():
        # GX 1.14+ deprecates schema_name in favour of a schema in the connection configuration; DuckDB
        # has none (search_path is per session), and qualified queries must not depend on session state.
        warnings.filterwarnings("ignore", message="`schema_name` is deprecated", category=DeprecationWarning)
        return source.add_table_asset(name=f"{schema}.{table}", table_name=table, schema_name=schema)
