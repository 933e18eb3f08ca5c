"""KPI health from tiny literal frames: which input, why; healthy KPIs get no warning."""

from __future__ import annotations

import polars as pl

from concord import catalogue
from dashboards.lineage_data import InputWarning, kpi_health, kpi_inputs

INPUTS = pl.DataFrame(
    {
        "kpi": ["tta", "tta", "ping", "backlog", "backlog", "backlog"],
        "table": [
            "staging.cases",
            "staging.platform_actions",
            "staging.referrals",
            "marts.case_facts",
            "staging.cases",
            "staging.platform_actions",
        ],
        "source": ["cases", "platform_actions", "referrals", None, "cases", "platform_actions"],
    }
)
NO_FAILURES = pl.DataFrame(
    {"table_name": ["staging.cases"], "suite_name": ["staging.cases"], "failed": [0]},
)
FRESH = pl.DataFrame(
    {
        "source": ["cases", "platform_actions", "referrals"],
        "stale": [False, False, False],
        "age_days": [0.5, 1.0, 0.2],
        "limit_days": [2.0, 2.0, 2.0],
    }
)
VOLUME_OK = pl.DataFrame(
    {
        "source": ["cases", "referrals", "platform_actions"],
        "status": ["ok", "no_history", "no_delivery"],
        "reason": [None] * 3,
    },
    schema={"source": pl.String, "status": pl.String, "reason": pl.String},
)


def test_healthy_inputs_give_no_warning() -> None:
    assert kpi_health(INPUTS, NO_FAILURES, FRESH, VOLUME_OK) == {}


def test_a_failed_validation_warns_every_kpi_that_reads_the_table() -> None:
    failures = pl.DataFrame(
        {
            "table_name": ["staging.cases", "marts.case_facts"],
            "suite_name": ["staging.cases", "marts.case_facts"],
            "failed": [2, 1],
        }
    )

    health = kpi_health(INPUTS, failures, FRESH, VOLUME_OK)

    assert set(health) == {"tta", "backlog"}  # "ping" reads referrals only
    assert health["tta"] == (InputWarning("staging.cases", "cases", "failed", suite="staging.cases", failed=2),)
    assert [w.table for w in health["backlog"]] == ["marts.case_facts", "staging.cases"]


def test_a_stale_source_warns_once_per_kpi_with_age_and_limit() -> None:
    fresh = FRESH.with_columns(
        stale=pl.col("source") != "referrals",
        age_days=pl.when(pl.col("source") == "cases").then(3.25).otherwise(None),
    )

    health = kpi_health(INPUTS, NO_FAILURES, fresh, VOLUME_OK)

    assert health["tta"] == (
        InputWarning("staging.cases", "cases", "stale", age_days=3.25, limit_days=2.0),
        InputWarning("staging.platform_actions", "platform_actions", "stale", age_days=None, limit_days=2.0),
    )
    assert "ping" not in health


def test_only_anomalous_volume_checks_warn() -> None:
    volume = VOLUME_OK.with_columns(
        status=pl.when(pl.col("source") == "referrals").then(pl.lit("anomalous")).otherwise(pl.col("status")),
        reason=pl.when(pl.col("source") == "referrals").then(pl.lit("12 rows, expected 800–1,200")),
    )

    health = kpi_health(INPUTS, NO_FAILURES, FRESH, volume)

    assert health == {
        "ping": (InputWarning("staging.referrals", "referrals", "anomalous", note="12 rows, expected 800–1,200"),)
    }


def test_reasons_are_ordered_failed_stale_anomalous() -> None:
    failures = NO_FAILURES.with_columns(failed=pl.lit(1))
    fresh = FRESH.with_columns(stale=pl.col("source") == "cases")
    volume = VOLUME_OK.with_columns(
        status=pl.when(pl.col("source") == "cases").then(pl.lit("anomalous")).otherwise(pl.col("status"))
    )

    health = kpi_health(INPUTS, failures, fresh, volume)

    assert [w.reason for w in health["tta"]] == ["failed", "stale", "anomalous"]


def test_kpi_inputs_of_the_catalogue_carry_their_sources() -> None:
    inputs = kpi_inputs(catalogue.metrics())

    backlog = inputs.filter(pl.col("kpi") == "backlog")
    assert backlog["table"].to_list() == [
        "marts.case_facts",
        "staging.cases",
        "staging.platform_actions",
        "staging.referrals",
    ]
    assert backlog["source"].to_list() == [None, "cases", "platform_actions", "referrals"]
    assert set(inputs["kpi"]) == {m.id for m in catalogue.implemented()}  # planned metrics are not checked
