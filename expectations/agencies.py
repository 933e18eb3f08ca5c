"""Data contract for ``staging.agencies``: the member organisations every other table points at."""

from __future__ import annotations

from concord.codes import ROLES, TIERS
from expectations.contract import (
    AGENCY_CODES,
    TableContract,
    columns_exist,
    in_set,
    not_null,
    parameter,
    row_count_between,
    unique,
)

CONTRACT = TableContract(
    table="staging.agencies",
    checks=(
        columns_exist(
            ("agency_code", "name", "name_en", "tier", "role", "parent_code", "batch_id", "row_number"),
            why="Scorecards, filters and lineage read these columns by name.",
        ),
        row_count_between(
            1, 10_000, why="No agency means every code check fails; thousands more than a network has is a broken file."
        ),
        not_null("agency_code", why="Cases, referrals and platform requests name their agency by this code."),
        unique("agency_code", why="A code listed twice would split one organisation's scorecard in two."),
        not_null("name", why="Dashboards show each agency by its Vietnamese name."),
        in_set("tier", TIERS, why="Scorecards group agencies by tier; an unknown tier drops out of every tier filter."),
        in_set("role", ROLES, why="The hand-off matrix groups agencies by role; an unknown role drops out of it."),
        in_set(
            "parent_code",
            parameter(AGENCY_CODES),
            why="The hierarchy must close: a parent outside the network orphans its children in roll-ups.",
        ),
    ),
)
