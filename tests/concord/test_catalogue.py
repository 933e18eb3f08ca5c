"""The catalogue read as data: every implemented KPI traces to tables of the warehouse DDL."""

from __future__ import annotations

import pytest

from concord import catalogue
from concord.warehouse import connect, ensure_schema

SNIPPET = """
### first
id: first
status: implemented
tests: x.py::test_x

- **Definition:** one `a − b`,
  continued.
- **Inputs:** `staging.cases` (`detected_at`); `marts.m1.col`.
- **Lands in:** `marts.m2.col`.
- **Edge cases and decisions:**
  - a sub-bullet naming `staging.referrals` belongs to the edge cases.

### second
id: second
status: implemented
tests: x.py::test_y

- **Definition:** two.
- **Inputs:** `staging.platform_actions`; `marts.m2` (itself, a cycle); `marts.m1`.
- **Lands in:** `marts.m1.col`, `marts.m2.other`.

### planned
id: planned_one
status: planned — later

- **Definition:** three.
- **Inputs:** `staging.referrals`.
- **Lands in:** nothing yet.
"""


def ddl_tables() -> set[str]:
    con = connect(":memory:")
    ensure_schema(con)
    return {
        f"{s}.{t}" for s, t in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    }


def test_parse_reads_fields_bullets_and_tables() -> None:
    first, second, planned = catalogue.parse(SNIPPET)

    assert (first.id, first.name, first.implemented) == ("first", "first", True)
    assert first.definition == "one `a − b`, continued."
    assert first.inputs == ("staging.cases", "marts.m1")
    assert first.lands_in == ("marts.m2",)
    assert second.lands_in == ("marts.m1", "marts.m2")
    assert not planned.implemented


def test_staging_inputs_follow_marts_and_cut_cycles() -> None:
    first, second, planned = catalogue.parse(SNIPPET)
    metrics = (first, second, planned)

    # first reads marts.m1, which "second" lands in; second reads m2 (first and itself) and m1 again.
    assert catalogue.staging_inputs(first, metrics) == ("staging.cases", "staging.platform_actions")
    assert catalogue.staging_inputs(second, metrics) == ("staging.platform_actions", "staging.cases")
    assert catalogue.staging_inputs(planned, metrics) == ("staging.referrals",)


@pytest.mark.parametrize("metric", catalogue.implemented(), ids=lambda m: m.id)
def test_every_implemented_metric_resolves_to_tables_of_the_ddl(metric: catalogue.Metric) -> None:
    tables = ddl_tables()
    staged = catalogue.staging_inputs(metric, catalogue.metrics())

    assert metric.definition, "no **Definition:**"
    assert staged, "no staged input table, directly or through a mart"
    assert set(metric.inputs) <= tables, f"inputs not in the DDL: {set(metric.inputs) - tables}"
    assert set(staged) <= tables, f"staged inputs not in the DDL: {set(staged) - tables}"
    assert metric.lands_in and set(metric.lands_in) <= tables, f"lands in {metric.lands_in}"


def test_the_catalogue_knows_the_kpis_the_dashboard_links_to() -> None:
    ids = {m.id for m in catalogue.implemented()}

    assert {"time_to_action", "sla_compliance", "backlog", "uncoordinated_duplicate", "daily_case_counts"} <= ids
    sla = catalogue.by_id("sla_compliance")
    assert sla is not None and catalogue.staging_inputs(sla, catalogue.metrics()) == (
        "staging.cases",
        "staging.platform_actions",
    )
    assert catalogue.by_id("no_such_kpi") is None


def test_source_of_a_staged_table() -> None:
    assert catalogue.source_of("staging.cases") == "cases"
    assert catalogue.source_of("staging.public_response_targets") == "public_responses"
