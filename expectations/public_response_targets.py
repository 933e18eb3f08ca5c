"""Data contract for ``staging.public_response_targets``: the item URLs each public response answers."""

from __future__ import annotations

from expectations.contract import TableContract, columns_exist, not_null, row_count_between

CONTRACT = TableContract(
    table="staging.public_response_targets",
    checks=(
        row_count_between(
            0, 50_000_000, why="A few target URLs per response; more than 50 M is a feed read in a loop."
        ),
        columns_exist(
            ("response_id", "url", "url_key"),
            why="Public-response coverage reads these columns by name.",
        ),
        not_null("response_id", why="A target without its response has no publication time."),
        not_null("url_key", why="Coverage matches responses to cases by url_key."),
    ),
)
