"""docs/metrics.md cannot drift: every metric of PRODUCT.md has an entry with a definition and real golden tests.

Each entry is a ``### <metric name>`` section opening with ``id:``, ``status:`` and (for implemented
metrics) ``tests: path::test_function, ...`` lines, and a ``**Definition:**`` bullet.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from concord.warehouse import connect, ensure_schema

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "docs" / "metrics.md"
# The spec lives next to the repository (DEVELOPERS.md); a clean clone without it falls back to the list below.
PRODUCT = ROOT.parent / "shared" / "PRODUCT.md"

# The metric names of PRODUCT.md's "Coordination metrics" table, as of this catalogue.
PRODUCT_METRICS = (
    "time to triage",
    "time to action",
    "time to close",
    "SLA compliance",
    "hand-off acknowledgement",
    "hand-off ping-pong",
    "uncoordinated duplicate",
    "platform responsiveness",
    "backlog",
    "public-response coverage",
    "recurrence",
    "detection lag vs public feeds",
    "feed takedown time",
    "hotspot",
    "freshness",
)


@dataclass(frozen=True)
class Entry:
    """One ``###`` section of the catalogue."""

    name: str
    fields: dict[str, str]
    body: str

    @property
    def tests(self) -> list[str]:
        return [t.strip() for t in self.fields.get("tests", "").split(",") if t.strip()]


def parse_catalogue(text: str) -> list[Entry]:
    """The ``###`` sections with their leading ``key: value`` lines."""
    entries = []
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        heading, _, rest = section.partition("\n")
        fields: dict[str, str] = {}
        lines = rest.splitlines()
        while lines and (match := re.fullmatch(r"(\w+): (.+)", lines[0].strip())):
            fields[match[1]] = match[2].strip()
            lines.pop(0)
        entries.append(Entry(heading.strip(), fields, "\n".join(lines)))
    return entries


def product_table_metrics(text: str) -> list[str]:
    """The first column of the table under PRODUCT.md's "Coordination metrics" heading."""
    section = text.split("## Coordination metrics", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [row.split("|")[1].strip() for row in rows[2:]]  # skip the header and the |---| line


@cache
def defined_tests(path: str) -> frozenset[str]:
    """Names of the top-level test functions of a test module, read without importing it."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(
        node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    )


ENTRIES = parse_catalogue(CATALOGUE.read_text(encoding="utf-8"))
BY_NAME = {entry.name.casefold(): entry for entry in ENTRIES}


def metric_names() -> tuple[str, ...]:
    """PRODUCT.md's metrics: read from the spec when it is there, else the recorded list."""
    if PRODUCT.is_file():
        return tuple(product_table_metrics(PRODUCT.read_text(encoding="utf-8")))
    return PRODUCT_METRICS


@pytest.mark.skipif(not PRODUCT.is_file(), reason="PRODUCT.md is not next to this checkout")
def test_the_recorded_metric_list_matches_product_md() -> None:
    assert tuple(product_table_metrics(PRODUCT.read_text(encoding="utf-8"))) == PRODUCT_METRICS


@pytest.mark.parametrize("metric", metric_names())
def test_every_product_metric_has_an_entry(metric: str) -> None:
    assert metric.casefold() in BY_NAME, f"docs/metrics.md has no '### {metric}' section"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_entry_is_complete(entry: Entry) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.fields.get("id", "")), "needs an `id: snake_case` line"
    definition = re.search(r"\*\*Definition:\*\*\s*(\S.*)", entry.body)
    assert definition, "needs a non-empty **Definition:**"
    for part in ("Unit", "Grain", "Inputs", "Lands in", "Edge cases and decisions"):
        assert f"**{part}:**" in entry.body, f"needs a **{part}:** line"
    status = entry.fields.get("status", "")
    assert status == "implemented" or status.startswith("planned — "), f"unknown status {status!r}"
    if status == "implemented":
        assert entry.tests, "an implemented metric names at least one golden test"


def test_ids_are_unique() -> None:
    ids = [entry.fields.get("id") for entry in ENTRIES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.tests], ids=lambda e: e.name)
def test_named_golden_tests_exist(entry: Entry) -> None:
    for reference in entry.tests:
        path, _, name = reference.partition("::")
        assert (ROOT / path).is_file(), f"{reference}: no such test module"
        assert name.split("[")[0] in defined_tests(path), f"{reference}: no such test function"


def test_named_mart_columns_exist() -> None:
    con = connect(":memory:")
    ensure_schema(con)
    columns = {
        f"marts.{table}.{column}"
        for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'marts'"
        ).fetchall()
    }
    named = set(re.findall(r"`(marts\.\w+\.\w+)`", CATALOGUE.read_text(encoding="utf-8")))
    assert named, "the catalogue names its mart columns as `marts.<table>.<column>`"
    assert named <= columns, f"not in the warehouse DDL: {sorted(named - columns)}"
