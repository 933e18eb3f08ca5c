"""One declaration per source: its columns, header aliases, and the SQL that types and checks its rows.

Each ``typing`` (:class:`TypedSQL`) reads the relation ``src`` (the file's text columns, sensitive ones already protected) and
returns the staging columns plus ``reasons`` (a list of quarantine reason codes; empty means the row loads).
Adding a source is one :class:`Source` here plus one expectation suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from concord.codes import ACTIONS, CATEGORIES, OUTCOMES, PLATFORMS, ROLES, STATUSES, TIERS
from flows.parsing import url_key_steps


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# The checks below read the relation `v` of `_typed`: every source column as cleaned text under its own name,
# and parsed values as `<column>_v`. Each value is computed once per row, however many checks read it.


def _missing(*columns: str) -> str:
    return ", ".join(f"CASE WHEN {c} IS NULL THEN 'missing:{c}' END" for c in columns)


def _timestamps(*columns: str) -> str:
    """Reason codes for timestamps that do not parse or lie after the run's as-of time."""
    return ", ".join(
        f"CASE WHEN {c} IS NOT NULL AND {c}_v IS NULL THEN 'bad_timestamp:{c}' "
        f"WHEN {c}_v > run_as_of() THEN 'future:{c}' END"
        for c in columns
    )


def _known_agency(*columns: str) -> str:
    return ", ".join(
        f"CASE WHEN {c}_v NOT IN (SELECT agency_code FROM staging.agencies) THEN 'unknown_agency:{c}' END"
        for c in columns
    )


def _order(later: str, earlier: str) -> str:
    return f"CASE WHEN {later}_v < {earlier}_v THEN 'time_order:{later}_before_{earlier}' END"


def _code(column: str, values: tuple[str, ...], reason: str) -> str:
    return f"CASE WHEN {column}_v NOT IN {_in(values)} THEN '{reason}' END"


# Any character but printable ASCII: a text without one has nothing for `clean_text` to do but trim.
NOT_PLAIN = r"[^\x20-\x7E]"


@dataclass(frozen=True)
class TypedSQL:
    """The typing SQL of a source: clean every column once (``t``), parse once (``v``), then select and check.

    ``readable`` = (condition, reason): rows failing the condition get only that reason (e.g. bad JSON).
    ``steps``: columns computed between cleaning and parsing, each step reading the previous ones (e.g.
    :func:`flows.parsing.url_key_steps`), so that a value several parsers need is computed once.
    """

    columns: tuple[str, ...]
    parsed: dict[str, str]
    select: str
    reasons: list[str]
    text_from: str = "src"
    readable: tuple[str, str] | None = None
    # Protected columns were cleaned by their protection (url_masked, pseudonym, scrub_notes) already.
    clean_already: tuple[str, ...] = ()
    steps: tuple[dict[str, str], ...] = ()

    @property
    def cleaned(self) -> tuple[str, ...]:
        """The columns the first step cleans with ``clean_text``."""
        return tuple(c for c in self.columns if c not in self.clean_already)

    def sql(self, plain: frozenset[str] = frozenset()) -> str:
        """The SQL; ``plain`` names columns known to hold only printable ASCII in this batch (they are only trimmed:
        ``clean_text`` gives the same, at twice the cost, ~0.15 s per column per 500k rows)."""
        cleaned = ", ".join(
            c
            if c in self.clean_already
            else (f"nullif(trim({c}), '') AS {c}" if c in plain else f"clean_text({c}) AS {c}")
            for c in self.columns
        )
        values = ", ".join(f"{expr} AS {name}_v" for name, expr in self.parsed.items())
        checks = f"reasons([{', '.join(self.reasons)}])"
        if self.readable:
            checks = f"CASE WHEN {self.readable[0]} THEN {checks} ELSE ['{self.readable[1]}'] END"
        keep = f", {self.readable[0]}" if self.readable else ""
        # row_number, batch_id and malformed (a row of the wrong width, flagged by the reader) pass straight through.
        ctes = [f"t AS (SELECT row_number, batch_id, malformed{keep}, {cleaned} FROM {self.text_from})"]
        previous = "t"
        for i, step in enumerate(self.steps, 1):
            ctes.append(
                f"s{i} AS (SELECT {previous}.*, {', '.join(f'{e} AS {n}' for n, e in step.items())} FROM {previous})"
            )
            previous = f"s{i}"
        ctes.append(f"v AS (SELECT {previous}.*, {values} FROM {previous})")
        return f"""
            WITH {", ".join(ctes)}
            SELECT row_number, batch_id, malformed, {self.select}, {checks} AS reasons
            FROM v"""


def _ts(*columns: str, offset: int) -> dict[str, str]:
    return {c: f"parse_ts_clean({c}, {offset})" for c in columns}


def _codes(*columns: str) -> dict[str, str]:
    return {c: f"code_of({c})" for c in columns}


def _agencies(*columns: str) -> dict[str, str]:
    return {c: f"upper({c})" for c in columns}


@dataclass(frozen=True)
class Source:
    """A source: where its files land, how its headers map, how its rows are typed, checked and keyed."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    key: tuple[str, ...]
    typing: TypedSQL
    staging_columns: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    # Columns replaced before anything is stored: raw history and quarantine never hold them in clear.
    protect: dict[str, str] = field(default_factory=dict)
    # Only for sources read as whole lines (JSON Lines): no header mapping, the SQL extracts the fields.
    line_based: bool = False

    def header_map(self) -> dict[str, str]:
        """Normalised header → canonical column (English names with spaces or underscores, and aliases)."""
        mapping = {c.replace("_", " "): c for c in self.columns}
        mapping.update(self.aliases)
        return mapping


AGENCY_OFFSET = 7  # hours east of UTC for agency timestamps without offset (Asia/Ho_Chi_Minh)
FEED_OFFSET = 0  # public feeds without offset are UTC

AGENCY_COLUMNS = ("agency_code", "name", "name_en", "tier", "role", "parent_code")

AGENCIES = Source(
    name="agencies",
    columns=AGENCY_COLUMNS,
    required=("agency_code", "name", "tier", "role"),
    key=("agency_code",),
    aliases={
        "mã đơn vị": "agency_code",
        "đơn vị": "agency_code",
        "tên": "name",
        "tên đơn vị": "name",
        "tên tiếng anh": "name_en",
        "cấp": "tier",
        "vai trò": "role",
        "đơn vị cấp trên": "parent_code",
    },
    staging_columns=("agency_code", "name", "name_en", "tier", "role", "parent_code"),
    typing=TypedSQL(
        AGENCY_COLUMNS,
        {**_agencies("agency_code", "parent_code"), **_codes("tier", "role")},
        "agency_code_v AS agency_code, name, name_en, tier_v AS tier, role_v AS role, parent_code_v AS parent_code",
        [
            _missing("agency_code", "name", "tier", "role"),
            _code("tier", TIERS, "unknown_tier"),
            _code("role", ROLES, "unknown_role"),
        ],
    ),
)


# Handles become keyed pseudonyms, notes lose e-mails and phone/ID numbers, URLs lose their credentials.
CASE_PROTECT = {"account_handle": "pseudonym(account_handle)", "notes": "scrub_notes(notes)", "url": "url_masked(url)"}

CASE_COLUMNS = (
    "case_id",
    "agency_code",
    "detected_at",
    "url",
    "platform",
    "category",
    "severity",
    "reach",
    "status",
    "triaged_at",
    "closed_at",
    "account_handle",
    "notes",
)

CASES = Source(
    name="cases",
    columns=CASE_COLUMNS,
    required=("case_id", "agency_code", "detected_at", "url", "platform", "category", "severity", "status"),
    key=("agency_code", "case_id"),
    aliases={
        "mã vụ việc": "case_id",
        "đơn vị": "agency_code",
        "thời điểm phát hiện": "detected_at",
        "đường dẫn": "url",
        "nền tảng": "platform",
        "loại": "category",
        "mức độ": "severity",
        "lượt tiếp cận": "reach",
        "trạng thái": "status",
        "thời điểm phân loại": "triaged_at",
        "thời điểm kết thúc": "closed_at",
        "tài khoản": "account_handle",
        "ghi chú": "notes",
    },
    protect=CASE_PROTECT,
    staging_columns=(
        "agency_code",
        "case_id",
        "detected_at",
        "url",
        "url_key",
        "platform",
        "category",
        "severity",
        "reach",
        "status",
        "triaged_at",
        "closed_at",
        "account_pseudonym",
        "notes",
    ),
    typing=TypedSQL(
        CASE_COLUMNS,
        {
            **_agencies("agency_code"),
            **_ts("detected_at", "triaged_at", "closed_at", offset=AGENCY_OFFSET),
            **_codes("platform", "category", "status"),
            "url": "url_k",
            "severity": "parse_severity_code(code_of(severity))",
            "reach": "try_cast(regexp_replace(reach, '[.,\\s]', '', 'g') AS BIGINT)",
        },
        """agency_code_v AS agency_code, case_id, detected_at_v AS detected_at, url, url_v AS url_key,
           platform_v AS platform, category_v AS category, severity_v AS severity, reach_v AS reach,
           status_v AS status, triaged_at_v AS triaged_at, closed_at_v AS closed_at,
           account_handle AS account_pseudonym, notes""",
        [
            _missing("case_id", "agency_code", "detected_at", "url", "platform", "category", "severity", "status"),
            _timestamps("detected_at", "triaged_at", "closed_at"),
            _known_agency("agency_code"),
            _code("platform", PLATFORMS, "unknown_platform"),
            _code("category", CATEGORIES, "unknown_category"),
            _code("status", STATUSES, "unknown_status"),
            "CASE WHEN severity IS NOT NULL AND severity_v IS NULL THEN 'bad_severity' END",
            "CASE WHEN reach IS NOT NULL AND coalesce(reach_v < 0, true) THEN 'bad_reach' END",
            "CASE WHEN url IS NOT NULL AND url_v IS NULL THEN 'bad_url' END",
            _order("triaged_at", "detected_at"),
            _order("closed_at", "detected_at"),
        ],
        clean_already=tuple(CASE_PROTECT),
        steps=url_key_steps("url", "url_k"),
    ),
)


REFERRAL_COLUMNS = (
    "referral_id",
    "case_agency",
    "case_id",
    "from_agency",
    "to_agency",
    "sent_at",
    "acknowledged_at",
    "completed_at",
    "outcome",
)

_REFERRAL_STRUCT = "{" + ", ".join(f'"{f}": "VARCHAR"' for f in REFERRAL_COLUMNS) + "}"

REFERRALS = Source(
    name="referrals",
    columns=("line",),
    required=(),
    key=("referral_id",),
    line_based=True,
    staging_columns=REFERRAL_COLUMNS,
    # Each line is parsed once into a struct (`f`); non-objects and bad JSON only get `malformed_json`.
    typing=TypedSQL(
        REFERRAL_COLUMNS,
        {
            **_agencies("case_agency", "from_agency", "to_agency"),
            **_ts("sent_at", "acknowledged_at", "completed_at", offset=AGENCY_OFFSET),
            **_codes("outcome"),
        },
        """referral_id, case_agency_v AS case_agency, case_id, from_agency_v AS from_agency, to_agency_v AS to_agency,
           sent_at_v AS sent_at, acknowledged_at_v AS acknowledged_at, completed_at_v AS completed_at,
           CASE WHEN outcome_v IN ('null', 'none') THEN NULL ELSE outcome_v END AS outcome""",
        [
            _missing("referral_id", "case_agency", "case_id", "from_agency", "to_agency", "sent_at"),
            _timestamps("sent_at", "acknowledged_at", "completed_at"),
            _known_agency("case_agency", "from_agency", "to_agency"),
            _code("outcome", (*OUTCOMES, "null", "none"), "unknown_outcome"),
            _order("acknowledged_at", "sent_at"),
            _order("completed_at", "sent_at"),
        ],
        readable=("is_object", "malformed_json"),
        text_from=f"""(
            SELECT row_number, batch_id, malformed, is_object, f.* FROM (
                SELECT row_number, batch_id, malformed, is_object,
                       CASE WHEN is_object THEN json_transform(line, '{_REFERRAL_STRUCT}') END AS f
                FROM (SELECT row_number, batch_id, malformed, line,
                             coalesce(CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END, false) AS is_object
                      FROM src)))""",
    ),
)


ACTION_COLUMNS = ("request_id", "case_agency", "case_id", "platform", "requested_at", "responded_at", "action")

PLATFORM_ACTIONS = Source(
    name="platform_actions",
    columns=ACTION_COLUMNS,
    required=("request_id", "case_agency", "case_id", "platform", "requested_at", "action"),
    key=("request_id",),
    aliases={
        "mã yêu cầu": "request_id",
        "đơn vị": "case_agency",
        "mã vụ việc": "case_id",
        "nền tảng": "platform",
        "thời điểm yêu cầu": "requested_at",
        "thời điểm phản hồi": "responded_at",
        "kết quả": "action",
    },
    staging_columns=ACTION_COLUMNS,
    typing=TypedSQL(
        ACTION_COLUMNS,
        {
            **_agencies("case_agency"),
            **_ts("requested_at", "responded_at", offset=AGENCY_OFFSET),
            **_codes("platform", "action"),
        },
        """request_id, case_agency_v AS case_agency, case_id, platform_v AS platform, requested_at_v AS requested_at,
           responded_at_v AS responded_at, action_v AS action""",
        [
            _missing("request_id", "case_agency", "case_id", "platform", "requested_at", "action"),
            _timestamps("requested_at", "responded_at"),
            _known_agency("case_agency"),
            _code("platform", PLATFORMS, "unknown_platform"),
            _code("action", ACTIONS, "unknown_action"),
            _order("responded_at", "requested_at"),
        ],
    ),
)


PUBLIC_RESPONSES = Source(
    name="public_responses",
    columns=("response_id", "link", "title", "published", "category", "responds_to"),
    required=("response_id", "published"),
    key=("response_id",),
    staging_columns=("response_id", "link", "title", "published_at", "category"),
    typing=TypedSQL(
        ("response_id", "link", "title", "published", "category", "responds_to"),
        {
            **_ts("published", offset=FEED_OFFSET),
            **_codes("category"),
            "responds_to": "from_json(responds_to, '[\"VARCHAR\"]')",
        },
        """response_id, link, title, published_v AS published_at, category_v AS category, responds_to_v AS targets""",
        [
            _missing("response_id", "published"),
            _timestamps("published"),
            "CASE WHEN len(list_filter(responds_to_v, lambda u: url_key(u) IS NULL)) > 0 THEN 'bad_url:responds_to' END",
        ],
    ),
)

SOURCES: dict[str, Source] = {s.name: s for s in (AGENCIES, CASES, REFERRALS, PLATFORM_ACTIONS, PUBLIC_RESPONSES)}
"""Sources in load order: reference data first, so that the other sources can check codes against it."""
