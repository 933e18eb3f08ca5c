"""Data contract for ``marts.handoffs``: one row per referral, behind the hand-off matrix and latency."""

from __future__ import annotations

from expectations.contract import TableContract, between, columns_exist, not_null, same_row_count_as, unique

CONTRACT = TableContract(
    table="marts.handoffs",
    checks=(
        columns_exist(
            ("referral_id", "from_agency", "to_agency", "sent_at", "ack_latency_h", "is_stalled", "is_ping_pong"),
            why="The coordination page reads these columns by name.",
        ),
        same_row_count_as("staging.referrals", why="One fact per staged referral: a lost hand-off hides a stall."),
        unique("referral_id", why="A referral counted twice doubles its pair's weight in the hand-off matrix."),
        between("ack_latency_h", 0, None, why="An acknowledgement before sending would flatter the median latency."),
        not_null("is_stalled", why="The stalled share divides by all hand-offs: each must be stalled or not."),
        not_null("is_ping_pong", why="Ping-pong counts divide by all hand-offs: each must be one or not."),
    ),
)
