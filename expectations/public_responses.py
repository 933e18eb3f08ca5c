"""Data contract for ``staging.public_responses``: published clarifications, fact-checks and notices."""

from __future__ import annotations

from expectations.contract import TableContract, columns_exist, not_null, row_count_between, unique

CONTRACT = TableContract(
    table="staging.public_responses",
    checks=(
        row_count_between(0, 10_000_000, why="Press releases are rare; more than 10 M items is a feed read in a loop."),
        columns_exist(
            ("response_id", "link", "title", "published_at", "category", "batch_id", "row_number"),
            why="Public-response coverage and lineage read these columns by name.",
        ),
        not_null("response_id", why="Targets name their response by this id (RSS guid / Atom id)."),
        unique("response_id", why="A response delivered twice would count twice towards coverage."),
        not_null("published_at", why="Coverage counts responses published ≤ 48 h after detection."),
    ),
)
