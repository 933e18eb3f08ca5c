"""Engineers: Prefect's recent runs, deployments and schedules, the last failure; per-source health.

Prefect is read through its client API (``engineer_data.load_prefect``, cached ~10 s); when ``PREFECT_API_URL`` is
unset or the server does not answer, the page says so and still shows source health from the serving copy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from dashboards import audit_data, components, data, engineer_data, i18n

lang = components.current_lang()
tz = data.local_tz()
st.title(i18n.t("ops_title", lang))
snap = data.snapshot(data.serving_file())
if snap is not None:
    with components.read_errors_shown(snap, lang):
        components.data_as_of_line(snap, lang, tz)

# --- Prefect ------------------------------------------------------------------------------------------
api_url = engineer_data.prefect_api_url()
prefect = (
    engineer_data.load_prefect(api_url) if api_url is not None else engineer_data.PrefectProblem("not_configured", None)
)
if isinstance(prefect, engineer_data.PrefectProblem):
    st.warning(i18n.t(f"prefect_{prefect.kind}", lang, url=prefect.api_url, detail=prefect.detail), icon="⚠️")
else:
    st.caption(
        i18n.t(
            "prefect_read_at",
            lang,
            url=prefect.api_url,
            read_at=i18n.fmt_datetime(prefect.read_at, lang, tz),
            ttl=engineer_data.PREFECT_CACHE_TTL_S,
        )
    )
    deployment_names = engineer_data.deployment_names(prefect.deployments)
    runs = engineer_data.runs_frame(prefect.runs, prefect.flow_names, deployment_names, prefect.read_at)
    deployments = engineer_data.deployments_frame(prefect.deployments, prefect.flow_names, prefect.scheduled, lang)
    scheduled = engineer_data.scheduled_frame(prefect.scheduled, prefect.flow_names, deployment_names)
    failed = engineer_data.filter_runs(runs, state_types=engineer_data.FAILURE_STATE_TYPES)
    paused = int(deployments["paused"].sum())
    next_run: datetime | None = scheduled["expected_start_at"].min() if not scheduled.is_empty() else None  # type: ignore[assignment]
    # The tile holds the local time only (a full date does not fit); its help gives the date too.
    next_run_time = f"{next_run.astimezone(ZoneInfo(tz)):%H:%M}" if next_run is not None else i18n.MISSING
    tiles: list[tuple[str, str, dict[str, object]]] = [
        ("kpi_recent_runs", i18n.fmt_int(runs.height, lang), {"limit": engineer_data.RECENT_RUNS_LIMIT}),
        ("kpi_recent_failed", i18n.fmt_int(failed.height, lang), {}),
        ("kpi_deployments", f"{i18n.fmt_int(deployments.height, lang)} ({i18n.fmt_int(paused, lang)})", {}),
        ("kpi_next_run", next_run_time, {"at": i18n.fmt_datetime(next_run, lang, tz)}),
    ]
    for column, (key, value, values) in zip(st.columns(len(tiles)), tiles, strict=True):
        components.tile(column, i18n.t(key, lang), value, i18n.t(f"{key}_help", lang, **values))

    st.subheader(i18n.t("last_failure_title", lang))
    if prefect.last_failure is None:
        st.success(i18n.t("last_failure_none", lang))
    else:
        failure = engineer_data.failure_frame(
            prefect.last_failure, prefect.failed_tasks, prefect.flow_names, deployment_names
        )
        first = failure.row(0, named=True)
        st.error(
            i18n.t(
                "last_failure_summary",
                lang,
                flow=first["flow"],
                deployment=first["deployment"] or i18n.MISSING,
                run=first["name"],
                state=first["state_name"],
                at=i18n.fmt_datetime(first["failed_at"], lang, tz),
            )
        )
        st.code(first["message"] or i18n.t("no_message", lang), language=None, wrap_lines=True)
        components.table_with_exports(
            engineer_data.in_local_time(failure, tz).select(
                pl.col("kind")
                .replace_strict(
                    {k: i18n.t(f"kind_{k}", lang) for k in ("flow_run", "task_run")}, return_dtype=pl.String
                )
                .alias(i18n.t("col_kind", lang)),
                pl.col("name").alias(i18n.t("col_name", lang)),
                pl.col("flow").alias(i18n.t("col_flow", lang)),
                pl.col("deployment").alias(i18n.t("col_deployment", lang)),
                pl.col("state_name").alias(i18n.t("col_state", lang)),
                pl.col("failed_at").alias(i18n.t("col_failed_at", lang)),
                pl.col("message").alias(i18n.t("col_message", lang)),
                pl.col("flow_run_id").alias(i18n.t("col_flow_run_id", lang)),
            ),
            lang,
            file_stem="concord_last_failure",
        )

    st.subheader(i18n.t("recent_runs_title", lang))
    left, right = st.columns(2)
    flows = left.multiselect(
        i18n.t("filter_flow", lang),
        options=sorted(runs["flow"].drop_nulls().unique().to_list()),
        placeholder=i18n.t("all", lang),
        key="engineer_filter_flows",
    )
    states = right.multiselect(
        i18n.t("filter_state", lang),
        options=[s for s in engineer_data.STATE_TYPES if s in set(runs["state_type"].to_list())],
        format_func=lambda state: i18n.state_label(state, lang),
        placeholder=i18n.t("all", lang),
        key="engineer_filter_states",
    )
    shown = engineer_data.in_local_time(engineer_data.filter_runs(runs, flows, states), tz)
    state_labels = {s: i18n.state_label(s, lang) for s in engineer_data.STATE_TYPES}
    components.table_with_exports(
        shown.select(
            pl.col("flow").alias(i18n.t("col_flow", lang)),
            pl.col("deployment").alias(i18n.t("col_deployment", lang)),
            pl.col("run_name").alias(i18n.t("col_run_name", lang)),
            # The state type in the reader's language, and Prefect's own name when it says more (Late, Retrying…).
            pl.when(pl.col("state_name").str.to_uppercase() == pl.col("state_type"))
            .then(pl.col("state_type").replace(state_labels))
            .otherwise(pl.format("{} ({})", pl.col("state_type").replace(state_labels), pl.col("state_name")))
            .alias(i18n.t("col_state", lang)),
            pl.col("started_at").alias(i18n.t("col_started_at", lang)),
            pl.col("ended_at").alias(i18n.t("col_ended_at", lang)),
            pl.col("duration_s").round(1).alias(i18n.t("col_duration_s", lang)),
            pl.col("parameters").alias(i18n.t("col_parameters", lang)),
            pl.col("flow_run_id").alias(i18n.t("col_flow_run_id", lang)),
        ),
        lang,
        file_stem="concord_flow_runs",
    )

    st.subheader(i18n.t("deployments_title", lang))
    components.table_with_exports(
        engineer_data.in_local_time(deployments, tz).select(
            pl.col("flow").alias(i18n.t("col_flow", lang)),
            pl.col("deployment").alias(i18n.t("col_deployment", lang)),
            pl.col("schedule").alias(i18n.t("col_schedule", lang)),
            pl.when(pl.col("paused"))
            .then(pl.lit(i18n.t("yes", lang)))
            .otherwise(pl.lit(i18n.t("no", lang)))
            .alias(i18n.t("col_paused", lang)),
            pl.col("next_run_at").alias(i18n.t("col_next_run", lang)),
        ),
        lang,
        file_stem="concord_deployments",
    )
    st.subheader(i18n.t("scheduled_title", lang))
    if scheduled.is_empty():
        st.info(i18n.t("scheduled_none", lang))
    components.table_with_exports(
        engineer_data.in_local_time(scheduled, tz).select(
            pl.col("expected_start_at").alias(i18n.t("col_expected_start", lang)),
            pl.col("flow").alias(i18n.t("col_flow", lang)),
            pl.col("deployment").alias(i18n.t("col_deployment", lang)),
            pl.col("run_name").alias(i18n.t("col_run_name", lang)),
            pl.col("state_name").alias(i18n.t("col_state", lang)),
        ),
        lang,
        file_stem="concord_scheduled_runs",
    )

# --- source health (serving copy) ---------------------------------------------------------------------
st.subheader(i18n.t("source_health_title", lang))
if snap is None:
    st.info(i18n.MISSING_SERVING.format(path=data.serving_file()), icon="ℹ️")
    st.stop()
now = datetime.now(UTC)
st.caption(
    i18n.t(
        "source_health_caption",
        lang,
        now=i18n.fmt_datetime(now, lang, tz),
        days=engineer_data.RECENT_REJECTIONS.days,
    )
)
with components.read_errors_shown(snap, lang):
    newest = audit_data.load_newest_loaded(snap)
    newest_files = engineer_data.load_newest_loaded_batches(snap)
    rejected = engineer_data.load_rejected_batches(snap)
health = engineer_data.source_health(audit_data.freshness(newest, now), newest_files, rejected, now)
components.table_with_exports(
    engineer_data.in_local_time(health, tz).select(
        pl.col("source").alias(i18n.t("source", lang)),
        pl.col("newest_file").alias(i18n.t("col_newest_file", lang)),
        pl.col("newest_loaded_at").alias(i18n.t("col_newest_loaded", lang)),
        pl.col("age_days").round(1).alias(i18n.t("col_age_days", lang)),
        pl.col("limit_days").alias(i18n.t("col_limit_days", lang)),
        pl.when(pl.col("stale")).then(pl.lit("⚠️")).otherwise(pl.lit("✅")).alias(i18n.t("col_stale", lang)),
        pl.col("rejected_recently").alias(i18n.t("col_rejected_recently", lang)),
    ),
    lang,
    file_stem="concord_source_health",
)
st.subheader(i18n.t("rejected_title", lang))
if rejected.is_empty():
    st.info(i18n.t("rejected_none", lang))
components.table_with_exports(
    engineer_data.in_local_time(rejected, tz).select(
        pl.col("rejected_at").alias(i18n.t("col_rejected_at", lang)),
        pl.col("source").alias(i18n.t("source", lang)),
        pl.col("file_name").alias(i18n.t("col_file", lang)),
        pl.col("reason").alias(i18n.t("col_reason", lang)),
        pl.col("run_id").alias(i18n.t("col_run", lang)),
    ),
    lang,
    file_stem="concord_rejected_files",
)
