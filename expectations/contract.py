"""The vocabulary of a table's data contract: checks that become Great Expectations expectations.

A contract is plain data (no GX import, so declaring one costs nothing); ``expectations.suites`` turns
it into a GX suite. Each check carries a one-line *why*, shown to auditors in Data Docs and stored in
``audit.validations.why``. Values known only at validation time (the member agencies) are GX suite
parameters, bound per run, so a contract's version changes only when the contract does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

AGENCY_CODES = "agency_codes"
"""Suite parameter: the codes in staging.agencies, read from the warehouse when validation starts."""


def parameter(name: str) -> dict[str, str]:
    """A value bound when the suite runs (GX's ``$PARAMETER`` syntax)."""
    return {"$PARAMETER": name}


@dataclass(frozen=True)
class Check:
    """One expectation: its GX type (snake_case), its arguments, and why the table needs it."""

    expectation: str
    kwargs: Mapping[str, Any]
    why: str

    @property
    def column_name(self) -> str | None:
        """The column(s) the check is about, comma-separated; None for table-level checks."""
        if "column" in self.kwargs:
            return str(self.kwargs["column"])
        if "column_list" in self.kwargs:
            return ",".join(self.kwargs["column_list"])
        if "column_A" in self.kwargs:
            return f"{self.kwargs['column_A']},{self.kwargs['column_B']}"
        return None


@dataclass(frozen=True)
class TableContract:
    """The checks that guard one warehouse table; the suite is named after the table."""

    table: str
    checks: tuple[Check, ...]

    @property
    def suite_name(self) -> str:
        return self.table

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]

    @property
    def version(self) -> str:
        """First 12 hex digits of the SHA-256 of the contract's canonical JSON: changes iff a check does."""
        canonical = json.dumps(
            {"table": self.table, "checks": [[c.expectation, dict(c.kwargs), c.why] for c in self.checks]},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def columns_exist(columns: Sequence[str], why: str) -> Check:
    """The table has at least these columns (more are allowed: the warehouse contract only ever adds)."""
    return Check("expect_table_columns_to_match_set", {"column_set": list(columns), "exact_match": False}, why)


def row_count_at_least(minimum: int, why: str) -> Check:
    return Check("expect_table_row_count_to_be_between", {"min_value": minimum}, why)


def not_null(column: str, why: str) -> Check:
    return Check("expect_column_values_to_not_be_null", {"column": column}, why)


def unique(column: str, why: str) -> Check:
    return Check("expect_column_values_to_be_unique", {"column": column}, why)


def unique_together(columns: Sequence[str], why: str) -> Check:
    """No two rows share the combination (a compound key)."""
    return Check("expect_compound_columns_to_be_unique", {"column_list": list(columns)}, why)


def in_set(column: str, values: Sequence[str] | Mapping[str, str], why: str) -> Check:
    """Every non-null value is one of ``values`` (a literal list, or a :func:`parameter`)."""
    value_set = dict(values) if isinstance(values, Mapping) else list(values)
    return Check("expect_column_values_to_be_in_set", {"column": column, "value_set": value_set}, why)


def between(column: str, minimum: float | None, maximum: float | None, why: str) -> Check:
    """Every non-null value lies in [minimum, maximum]; None leaves that side open."""
    kwargs: dict[str, Any] = {"column": column}
    if minimum is not None:
        kwargs["min_value"] = minimum
    if maximum is not None:
        kwargs["max_value"] = maximum
    return Check("expect_column_values_to_be_between", kwargs, why)


def not_before(later: str, earlier: str, why: str) -> Check:
    """``later`` >= ``earlier`` on every row where both are set (a missing time is not an order violation)."""
    return Check(
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        why,
    )


def no_rows(query: str, why: str) -> Check:
    """The SQL ``query`` over the table (written ``{batch}``) returns no rows: a rule GX has no expectation for.

    GX's ``UnexpectedRowsExpectation``; its observed value is the number of rows the query returned. Used for
    row-level business rules across columns, counts that must agree with another table (GX's
    ``expect_table_row_count_to_equal_other_table`` qualifies the other table with the asset's own schema, so it
    cannot compare ``marts.x`` with ``staging.y``) and freshness.
    """
    return Check("unexpected_rows_expectation", {"unexpected_rows_query": " ".join(query.split())}, why)


def same_row_count_as(other_table: str, why: str) -> Check:
    """The table has exactly as many rows as ``other_table`` (schema-qualified)."""
    return no_rows(
        f"SELECT t.n AS table_rows, o.n AS {other_table.replace('.', '_')}_rows "
        f"FROM (SELECT count(*) AS n FROM {{batch}}) t, (SELECT count(*) AS n FROM {other_table}) o WHERE t.n <> o.n",
        why,
    )


def row_count_between(minimum: int, maximum: int, why: str) -> Check:
    """Volume within sane bounds: a table outside them is a broken load, not a busy or quiet period."""
    return Check("expect_table_row_count_to_be_between", {"min_value": minimum, "max_value": maximum}, why)
