"""The leadership targets the overview tiles are read against: the one place to change them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Targets:
    """Targets as ratios in [0, 1]."""

    sla_compliance: float = 0.90  # at least this share of decided cases actioned within their SLA target
    duplicate_rate: float = 0.05  # at most this share of cases being uncoordinated duplicates


TARGETS = Targets()
