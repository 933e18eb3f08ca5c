"""One declaration per source: its columns, header aliases, and the SQL that types and checks its rows.

Each ``typed_sql`` reads the relation ``src`` (the file's text columns, sensitive ones already protected) and
returns the staging columns plus ``reasons`` (a list of quarantine reason codes; empty means the row loads).
Adding a source is one :class:`Source` here plus one expectation suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from concord.codes import ACTIONS, CATEGORIES, OUTCOMES, PLATFORMS, ROLES, STATUSES, TIERS


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _missing(*columns: str) -> str:
    return ", ".join(f"CASE WHEN clean_text(src.{c}) IS NULL THEN 'missing:{c}' END" for c in columns)


def _timestamps(offset: str, *columns: str) -> str:
    """Reason codes for timestamps that do not parse or lie after the run's as-of time."""
    return ", ".join(
        f"CASE WHEN clean_text(src.{c}) IS NOT NULL AND parse_ts(src.{c}, {offset}) IS NULL THEN 'bad_timestamp:{c}' "
        f"WHEN parse_ts(src.{c}, {offset}) > run_as_of() THEN 'future:{c}' END"
        for c in columns
    )


def _known_agency(*columns: str) -> str:
    return ", ".join(
        f"CASE WHEN clean_text(src.{c}) IS NOT NULL AND upper(clean_text(src.{c})) NOT IN "
        f"(SELECT agency_code FROM staging.agencies) THEN 'unknown_agency:{c}' END"
        for c in columns
    )


def _order(later: str, earlier: str, offset: str) -> str:
    return (
        f"CASE WHEN parse_ts(src.{later}, {offset}) < parse_ts(src.{earlier}, {offset}) "
        f"THEN 'time_order:{later}_before_{earlier}' END"
    )


def _code(column: str, values: tuple[str, ...], reason: str) -> str:
    return f"CASE WHEN clean_text(src.{column}) IS NOT NULL AND clean_code(src.{column}) NOT IN {_in(values)} THEN '{reason}' END"


@dataclass(frozen=True)
class Source:
    """A source: where its files land, how its headers map, how its rows are typed, checked and keyed."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    key: tuple[str, ...]
    typed_sql: str
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


AGENCY_OFFSET = "7"  # hours east of UTC for agency timestamps without offset (Asia/Ho_Chi_Minh)
FEED_OFFSET = "0"  # public feeds without offset are UTC

AGENCIES = Source(
    name="agencies",
    columns=("agency_code", "name", "name_en", "tier", "role", "parent_code"),
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
    typed_sql=f"""
        SELECT row_number, upper(clean_text(agency_code)) AS agency_code, clean_text(name) AS name, clean_text(name_en) AS name_en,
               clean_code(tier) AS tier, clean_code(role) AS role, upper(clean_text(parent_code)) AS parent_code,
               reasons([{_missing("agency_code", "name", "tier", "role")},
                        {_code("tier", TIERS, "unknown_tier")}, {_code("role", ROLES, "unknown_role")}]) AS reasons
        FROM src""",
)

CASES = Source(
    name="cases",
    columns=(
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
    ),
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
    protect={"account_handle": "pseudonym(account_handle)", "notes": "scrub_notes(notes)", "url": "url_masked(url)"},
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
    typed_sql=f"""
        SELECT row_number, upper(clean_text(agency_code)) AS agency_code, clean_text(case_id) AS case_id,
               parse_ts(detected_at, {AGENCY_OFFSET}) AS detected_at, url AS url, url_key(url) AS url_key,
               clean_code(platform) AS platform, clean_code(category) AS category,
               parse_severity(severity) AS severity,
               try_cast(regexp_replace(clean_text(reach), '[.,\\s]', '', 'g') AS BIGINT) AS reach,
               clean_code(status) AS status,
               parse_ts(triaged_at, {AGENCY_OFFSET}) AS triaged_at, parse_ts(closed_at, {AGENCY_OFFSET}) AS closed_at,
               account_handle AS account_pseudonym, notes AS notes,
               reasons([
                   {_missing("case_id", "agency_code", "detected_at", "url", "platform", "category", "severity", "status")},
                   {_timestamps(AGENCY_OFFSET, "detected_at", "triaged_at", "closed_at")},
                   {_known_agency("agency_code")},
                   {_code("platform", PLATFORMS, "unknown_platform")},
                   {_code("category", CATEGORIES, "unknown_category")},
                   {_code("status", STATUSES, "unknown_status")},
                   CASE WHEN clean_text(severity) IS NOT NULL AND parse_severity(severity) IS NULL THEN 'bad_severity' END,
                   CASE WHEN clean_text(reach) IS NOT NULL AND coalesce(try_cast(
                        regexp_replace(clean_text(reach), '[.,\\s]', '', 'g') AS BIGINT) < 0, true) THEN 'bad_reach' END,
                   CASE WHEN clean_text(url) IS NOT NULL AND url_key(url) IS NULL THEN 'bad_url' END,
                   {_order("triaged_at", "detected_at", AGENCY_OFFSET)},
                   {_order("closed_at", "detected_at", AGENCY_OFFSET)}
               ]) AS reasons
        FROM src""",
)


def _json(field_name: str) -> str:
    return f"clean_text(json_extract_string(line, '$.{field_name}'))"


_REFERRAL_FIELDS = (
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

REFERRALS = Source(
    name="referrals",
    columns=("line",),
    required=(),
    key=("referral_id",),
    line_based=True,
    staging_columns=_REFERRAL_FIELDS,
    # The JSON is unpacked first (as `src` of the checks), so the shared checks read plain columns.
    typed_sql=f"""
        WITH j AS (
            SELECT row_number, line, coalesce(CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END, false) AS is_object
            FROM incoming
        ), src AS (
            SELECT row_number, is_object, {", ".join(f"CASE WHEN is_object THEN {_json(f)} END AS {f}" for f in _REFERRAL_FIELDS)}
            FROM j
        )
        SELECT row_number, clean_text(referral_id) AS referral_id, upper(case_agency) AS case_agency, case_id,
               upper(from_agency) AS from_agency, upper(to_agency) AS to_agency,
               parse_ts(sent_at, {AGENCY_OFFSET}) AS sent_at,
               parse_ts(acknowledged_at, {AGENCY_OFFSET}) AS acknowledged_at,
               parse_ts(completed_at, {AGENCY_OFFSET}) AS completed_at,
               CASE WHEN clean_code(outcome) IN ('null', 'none') THEN NULL ELSE clean_code(outcome) END AS outcome,
               CASE WHEN NOT is_object THEN ['malformed_json'] ELSE reasons([
                   {_missing("referral_id", "case_agency", "case_id", "from_agency", "to_agency", "sent_at")},
                   {_timestamps(AGENCY_OFFSET, "sent_at", "acknowledged_at", "completed_at")},
                   {_known_agency("case_agency", "from_agency", "to_agency")},
                   CASE WHEN clean_code(outcome) NOT IN {_in((*OUTCOMES, "null", "none"))} THEN 'unknown_outcome' END,
                   {_order("acknowledged_at", "sent_at", AGENCY_OFFSET)},
                   {_order("completed_at", "sent_at", AGENCY_OFFSET)}
               ]) END AS reasons
        FROM src""",
)

PLATFORM_ACTIONS = Source(
    name="platform_actions",
    columns=("request_id", "case_agency", "case_id", "platform", "requested_at", "responded_at", "action"),
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
    staging_columns=("request_id", "case_agency", "case_id", "platform", "requested_at", "responded_at", "action"),
    typed_sql=f"""
        SELECT row_number, clean_text(request_id) AS request_id, upper(clean_text(case_agency)) AS case_agency,
               clean_text(case_id) AS case_id, clean_code(platform) AS platform,
               parse_ts(requested_at, {AGENCY_OFFSET}) AS requested_at,
               parse_ts(responded_at, {AGENCY_OFFSET}) AS responded_at, clean_code(action) AS action,
               reasons([
                   {_missing("request_id", "case_agency", "case_id", "platform", "requested_at", "action")},
                   {_timestamps(AGENCY_OFFSET, "requested_at", "responded_at")},
                   {_known_agency("case_agency")},
                   {_code("platform", PLATFORMS, "unknown_platform")},
                   {_code("action", ACTIONS, "unknown_action")},
                   {_order("responded_at", "requested_at", AGENCY_OFFSET)}
               ]) AS reasons
        FROM src""",
)

PUBLIC_RESPONSES = Source(
    name="public_responses",
    columns=("response_id", "link", "title", "published", "category", "responds_to"),
    required=("response_id", "published"),
    key=("response_id",),
    staging_columns=("response_id", "link", "title", "published_at", "category"),
    typed_sql=f"""
        SELECT row_number, clean_text(response_id) AS response_id, clean_text(link) AS link, clean_text(title) AS title,
               parse_ts(published, {FEED_OFFSET}) AS published_at, clean_code(category) AS category,
               from_json(responds_to, '["VARCHAR"]') AS targets,
               reasons([
                   {_missing("response_id", "published")},
                   {_timestamps(FEED_OFFSET, "published")},
                   CASE WHEN len(list_filter(from_json(responds_to, '["VARCHAR"]'), lambda u: url_key(u) IS NULL)) > 0
                        THEN 'bad_url:responds_to' END
               ]) AS reasons
        FROM src""",
)

SOURCES: dict[str, Source] = {s.name: s for s in (AGENCIES, CASES, REFERRALS, PLATFORM_ACTIONS, PUBLIC_RESPONSES)}
"""Sources in load order: reference data first, so that the other sources can check codes against it."""
