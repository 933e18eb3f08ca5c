"""Median and p90 use linear interpolation (PRODUCT.md): Polars and DuckDB's quantile_cont must agree.

The marts hold one duration per row; the dashboard aggregates them with DuckDB ``quantile_cont`` while
tests and transforms use Polars ``quantile(..., interpolation="linear")``. Both place quantile q at
position q·(n-1) of the sorted values and interpolate between its neighbours.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

# (values, q, hand-computed value at position q·(n-1) of the sorted values)
QUANTILE_CASES = [
    # Sorted 1, 2, 4, 10: the median sits at position 1.5, halfway between 2 and 4.
    pytest.param([10.0, 1.0, 4.0, 2.0], 0.5, 3.0, id="median-of-four"),
    # p90 at position 2.7: 4 + 0.7·(10 - 4) = 8.2.
    pytest.param([10.0, 1.0, 4.0, 2.0], 0.9, 8.2, id="p90-of-four"),
    # Odd count: the median is the middle value itself.
    pytest.param([3.0, 0.5, 7.0], 0.5, 3.0, id="median-of-three"),
    # p90 of 0, 1, 2, 3, 100 at position 3.6: 3 + 0.6·97 = 61.2 (nearest-rank would say 100).
    pytest.param([0.0, 1.0, 2.0, 3.0, 100.0], 0.9, 61.2, id="p90-of-five"),
    pytest.param([5.0], 0.9, 5.0, id="single-value"),
]


@pytest.mark.parametrize(("values", "q", "expected"), QUANTILE_CASES)
def test_polars_linear_quantile_matches_duckdb_quantile_cont(values: list[float], q: float, expected: float) -> None:
    frame = pl.DataFrame({"h": values})

    from_polars = frame.select(pl.col("h").quantile(q, interpolation="linear")).item()
    from_duckdb = duckdb.connect().execute(f"SELECT quantile_cont(h, {q}) FROM frame").fetchone()

    assert from_duckdb is not None
    assert from_polars == pytest.approx(expected, rel=1e-12)
    assert from_duckdb[0] == pytest.approx(expected, rel=1e-12)


def test_nulls_are_skipped_by_both() -> None:
    # An unanswered request has no response_h: it is left out, not counted as 0.
    frame = pl.DataFrame({"h": [1.0, None, 3.0]})
    from_polars = frame.select(pl.col("h").quantile(0.5, interpolation="linear")).item()
    from_duckdb = duckdb.connect().execute("SELECT quantile_cont(h, 0.5) FROM frame").fetchone()
    assert from_duckdb is not None
    assert from_polars == from_duckdb[0] == 2.0
