"""Data contract for ``staging.public_responses``: published clarifications, fact-checks and notices."""

from __future__ import annotations

from expectations.contract import TableContract, columns_exist, not_null, unique

CONTRACT = TableContract(
    table="staging.public_responses",
    checks=(
        columns_exist(
            ("response_id", "link", "title", "published_at", "category", "batch_id", "row_number"),
            why="Public-response coverage and lineage read these columns by name.",
        ),
        not_null("response_id", why="Targets name their response by this id (RSS guid / Atom id)."),
        unique("response_id", why="A response delivered twice would count twice towards coverage."),
        not_null("published_at", why="Coverage counts responses published ≤ 48 h after detection."),
    ),
)
