"""The metric catalogue (``docs/metrics.md``) read as data: each KPI's definition, input tables and mart tables.

The lineage page and the KPI warning badges follow a KPI to the staged tables it is computed from. The catalogue
is the one place that says so: every entry opens with ``id:`` and ``status:`` lines and has **Definition:**,
**Inputs:** and **Lands in:** bullets that name warehouse tables in backticks (`` `staging.cases` ``, or a column
`` `marts.case_facts.actioned_at` ``). A KPI whose inputs include a mart is traced through the metrics that land in
that mart, down to staging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"

# Staged tables whose rows carry no batch_id of their own: they arrive with the batches of a parent table and are
# joined to it on a key (a public response's targets come from the same feed file as the response).
BATCH_PARENT: dict[str, tuple[str, str]] = {
    "staging.public_response_targets": ("staging.public_responses", "response_id"),
}

_TABLE = re.compile(r"`((?:staging|marts|audit|raw)\.[a-z_][a-z0-9_]*)(?:\.[a-z_][a-z0-9_]*)?`")
_BULLET = re.compile(r"^- \*\*([A-Za-z ]+):\*\*\s*(.*)$")


@dataclass(frozen=True)
class Metric:
    """One catalogue entry."""

    id: str
    name: str
    status: str  # "implemented", or "planned — <why>"
    definition: str  # the **Definition:** bullet on one line (Markdown)
    inputs: tuple[str, ...]  # tables named under **Inputs:**, as written (staging or marts)
    lands_in: tuple[str, ...]  # tables named under **Lands in:**

    @property
    def implemented(self) -> bool:
        return self.status == "implemented"


def _bullets(body: list[str]) -> dict[str, str]:
    """The top-level ``- **Key:** text`` bullets of a section, each with its continuation lines joined into one."""
    bullets: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body:
        if match := _BULLET.match(line):
            current = bullets.setdefault(match[1], [])
            current.append(match[2])
        elif current is not None and line.startswith("  ") and not line.lstrip().startswith("- "):
            current.append(line.strip())
        else:
            current = None
    return {key: " ".join(" ".join(parts).split()) for key, parts in bullets.items()}


def _tables(text: str) -> tuple[str, ...]:
    """The distinct tables named in ``text``, in order of first mention."""
    return tuple(dict.fromkeys(_TABLE.findall(text)))


def parse(text: str) -> tuple[Metric, ...]:
    """Every ``### name`` section of the catalogue that carries an ``id:`` line."""
    metrics = []
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        heading, _, rest = section.partition("\n")
        lines = rest.splitlines()
        fields: dict[str, str] = {}
        while lines and (match := re.fullmatch(r"(\w+): (.+)", lines[0].strip())):
            fields[match[1]] = match[2].strip()
            lines.pop(0)
        if "id" not in fields:
            continue
        bullets = _bullets(lines)
        metrics.append(
            Metric(
                id=fields["id"],
                name=heading.strip(),
                status=fields.get("status", ""),
                definition=bullets.get("Definition", ""),
                inputs=_tables(bullets.get("Inputs", "")),
                lands_in=_tables(bullets.get("Lands in", "")),
            )
        )
    return tuple(metrics)


@cache
def metrics() -> tuple[Metric, ...]:
    """The catalogue, read once per process."""
    return parse(CATALOGUE.read_text(encoding="utf-8"))


def implemented() -> tuple[Metric, ...]:
    return tuple(m for m in metrics() if m.implemented)


def by_id(metric_id: str) -> Metric | None:
    return next((m for m in metrics() if m.id == metric_id), None)


def staging_inputs(metric: Metric, catalogue: tuple[Metric, ...]) -> tuple[str, ...]:
    """The staged tables ``metric`` is computed from: its staging inputs, plus those of every implemented metric
    that lands in a mart it reads (followed until only staging tables remain; cycles are cut)."""
    found: dict[str, None] = {}
    seen_marts: set[str] = set()

    def follow(tables: tuple[str, ...]) -> None:
        for table in tables:
            if table.startswith("staging."):
                found.setdefault(table)
            elif table.startswith("marts.") and table not in seen_marts:
                seen_marts.add(table)
                for other in catalogue:
                    if other.implemented and table in other.lands_in:
                        follow(other.inputs)

    follow(metric.inputs)
    return tuple(found)


def source_of(table: str) -> str:
    """The inbox source whose batches fill a staged table (``staging.cases`` → ``cases``)."""
    table = BATCH_PARENT.get(table, (table, ""))[0]
    return table.removeprefix("staging.")
