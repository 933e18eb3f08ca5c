"""Every dashboard label in Vietnamese and English, and number/date formatting per language.

Vietnamese is the default (PRODUCT.md, principle 4). Formatting is deterministic and locale-free
(no ``locale`` module, no browser locale) so tests can compare rendered text exactly:
vi writes ``1.234,5`` and ``dd/mm/yyyy``; en writes ``1,234.5`` and ``yyyy-mm-dd``.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
DEFAULT_LANG: Lang = "vi"
LANG_NAMES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English"}
# Shown for a value that cannot be computed (e.g. no actioned case in the range).
MISSING = "—"

# One entry per label: {"vi": ..., "en": ...}. Placeholders use str.format names.
LABELS: dict[str, dict[str, str]] = {
    "language": {"vi": "Ngôn ngữ / Language", "en": "Ngôn ngữ / Language"},
    "no_signin": {
        "vi": "Bản demo cục bộ chạy không cần đăng nhập.",
        "en": "The local demo runs without sign-in.",
    },
    "section_leadership": {"vi": "Lãnh đạo", "en": "Leadership"},
    "page_overview": {"vi": "Tổng quan", "en": "Overview"},
    "overview_title": {"vi": "Tổng quan điều phối", "en": "Coordination overview"},
    "filters": {"vi": "Bộ lọc", "en": "Filters"},
    "date_range": {"vi": "Khoảng ngày (giờ Việt Nam)", "en": "Date range (local days)"},
    "agency": {"vi": "Đơn vị", "en": "Agency"},
    "category": {"vi": "Loại", "en": "Category"},
    "severity": {"vi": "Mức độ", "en": "Severity"},
    "all": {"vi": "Tất cả", "en": "All"},
    "data_as_of": {
        "vi": "Dữ liệu tính đến **{as_of}** · lần chạy `{run_id}` hoàn tất lúc {finished_at}",
        "en": "Data as of **{as_of}** · run `{run_id}` finished at {finished_at}",
    },
    "no_completed_run": {
        "vi": "Chưa có lần chạy nào hoàn tất trong bản dữ liệu phục vụ.",
        "en": "The serving copy holds no completed run yet.",
    },
    "no_data": {
        "vi": "Bản dữ liệu phục vụ chưa có số liệu KPI theo ngày (marts.kpi_daily trống).",
        "en": "The serving copy has no daily KPIs yet (marts.kpi_daily is empty).",
    },
    "read_error": {
        "vi": "Không đọc được bản dữ liệu phục vụ `{path}`: {error}",
        "en": "Could not read the serving copy `{path}`: {error}",
    },
    "kpi_cases": {"vi": "Số vụ việc", "en": "Cases"},
    "kpi_cases_help": {
        "vi": "Số vụ việc được phát hiện trong các ngày đã chọn (ngày theo giờ Việt Nam), "
        "theo bộ lọc. Nguồn: `marts.kpi_daily.cases_detected`.",
        "en": "Cases detected on the selected local days, after the filters. Source: `marts.kpi_daily.cases_detected`.",
    },
    "kpi_tta": {"vi": "Trung vị xử lý (giờ)", "en": "Median time to action (h)"},
    "kpi_tta_help": {
        "vi": "Trung vị (nội suy tuyến tính) của thời gian, tính bằng giờ, từ lúc phát hiện đến phản hồi sớm "
        "nhất của một hành động xử lý (gỡ bỏ, hạn chế, chặn theo vùng, gắn nhãn), trên các vụ việc phát hiện "
        "trong các ngày đã chọn và đã được xử lý. Nguồn: `marts.case_facts.time_to_action_h`.",
        "en": "Median (linear interpolation) of the hours from detection to the earliest answered enforcement "
        "action (removed, restricted, geo-blocked, labelled), over the actioned cases detected on the selected "
        "days. Source: `marts.case_facts.time_to_action_h`.",
    },
    "kpi_sla": {"vi": "Tỷ lệ đạt SLA", "en": "SLA compliance"},
    "kpi_sla_help": {
        "vi": "Đạt / (đạt + vi phạm), theo ngày phát hiện. Đạt: được xử lý trong thời hạn theo mức độ "
        "(mặc định: nghiêm trọng 4 giờ, cao 24 giờ, trung bình 72 giờ, thấp 168 giờ); vi phạm: xử lý muộn hơn, "
        "hoặc chưa xử lý và đã quá hạn tại thời điểm dữ liệu; chưa xử lý và còn trong hạn thì không tính. "
        "Nguồn: `marts.kpi_daily.sla_met`, `sla_breached`.",
        "en": "Met / (met + breached), by day of detection. Met: actioned within the target for its severity "
        "(default: critical 4 h, high 24 h, medium 72 h, low 168 h); breached: actioned later, or not actioned "
        "and older than the target at the as-of time; not actioned and still within target is not counted. "
        "Source: `marts.kpi_daily.sla_met`, `sla_breached`.",
    },
    "kpi_backlog": {"vi": "Tồn đọng cuối kỳ", "en": "Open backlog"},
    "kpi_backlog_help": {
        "vi": "Số vụ việc còn mở vào cuối ngày cuối cùng của khoảng đã chọn: đã phát hiện đến lúc đó và chưa "
        "đóng. Nguồn: `marts.kpi_daily.backlog_open` của ngày đó, cộng theo bộ lọc.",
        "en": "Cases open at the end of the last selected day: detected by then and not closed by then. "
        "Source: `marts.kpi_daily.backlog_open` on that day, summed over the filters.",
    },
    "kpi_dup": {"vi": "Trùng lặp không phối hợp", "en": "Uncoordinated duplicates"},
    "kpi_dup_help": {
        "vi": "Vụ việc trùng lặp không phối hợp / tổng số vụ việc. Trùng lặp không phối hợp: cùng đường dẫn "
        "(`url_key`) với một vụ việc trước đó của đơn vị khác, phát hiện trong vòng 7 ngày trước, và không có "
        "chuyển giao nào liên kết hai vụ. Nguồn: `marts.kpi_daily.duplicates`.",
        "en": "Uncoordinated duplicates / all cases. A duplicate is a case whose `url_key` is already in an "
        "earlier case of another agency detected at most 7 days before it, with no referral linking the two. "
        "Source: `marts.kpi_daily.duplicates`.",
    },
    "weekly_trend": {"vi": "Xu hướng theo tuần (tuần ISO)", "en": "Weekly trend (ISO weeks)"},
    "weekly_trend_caption": {
        "vi": "Tuần đầu và tuần cuối có thể không đủ 7 ngày nếu khoảng ngày cắt ngang tuần.",
        "en": "The first and last weeks may be partial when the date range cuts through them.",
    },
    "tab_chart": {"vi": "Biểu đồ", "en": "Chart"},
    "tab_table": {"vi": "Bảng", "en": "Table"},
    "download_csv": {"vi": "Tải CSV", "en": "Download CSV"},
    "download_xlsx": {"vi": "Tải XLSX", "en": "Download XLSX"},
    "col_iso_week": {"vi": "Tuần ISO", "en": "ISO week"},
    "col_week_start": {"vi": "Ngày đầu tuần", "en": "Week start"},
    "col_cases": {"vi": "Số vụ việc", "en": "Cases"},
    "col_sla_met": {"vi": "Đạt SLA", "en": "SLA met"},
    "col_sla_breached": {"vi": "Vi phạm SLA", "en": "SLA breached"},
    "col_sla_compliance": {"vi": "Tỷ lệ đạt SLA (%)", "en": "SLA compliance (%)"},
    "missing_serving_title": {
        "vi": "Chưa có dữ liệu để hiển thị · No data to show yet",
        "en": "Chưa có dữ liệu để hiển thị · No data to show yet",
    },
}

# The missing-file message is shown in both languages at once: the reader may not have found the
# language toggle yet, and the message is about setup, not content.
MISSING_SERVING = (
    "**Tiếng Việt.** Bảng điều khiển chỉ đọc bản dữ liệu phục vụ do pipeline xuất bản, "
    "và tệp này chưa tồn tại:\n\n`{path}`\n\n"
    "Hãy chạy pipeline trước: `uv run concord demo` (tạo dữ liệu mẫu rồi chạy) hoặc `uv run concord run`, "
    "rồi tải lại trang. Có thể chỉ định tệp khác bằng biến môi trường `CONCORD_SERVING`.\n\n"
    "**English.** The dashboard only reads the serving copy the pipeline publishes, "
    "and that file does not exist yet:\n\n`{path}`\n\n"
    "Run the pipeline first: `uv run concord demo` (generates demo data and runs it) or `uv run concord run`, "
    "then reload this page. Point to another file with the `CONCORD_SERVING` environment variable."
)

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "scam_fraud": {"vi": "Lừa đảo", "en": "Scam and fraud"},
    "phishing": {"vi": "Giả mạo đánh cắp thông tin (phishing)", "en": "Phishing"},
    "malware": {"vi": "Mã độc", "en": "Malware"},
    "impersonation": {"vi": "Mạo danh", "en": "Impersonation"},
    "harassment": {"vi": "Quấy rối", "en": "Harassment"},
    "health_misinfo": {"vi": "Thông tin sai về y tế", "en": "Health misinformation"},
    "disaster_misinfo": {"vi": "Thông tin sai về thiên tai", "en": "Disaster misinformation"},
    "other": {"vi": "Khác", "en": "Other"},
}

SEVERITY_LABELS: dict[int, dict[str, str]] = {
    1: {"vi": "Thấp", "en": "Low"},
    2: {"vi": "Trung bình", "en": "Medium"},
    3: {"vi": "Cao", "en": "High"},
    4: {"vi": "Nghiêm trọng", "en": "Critical"},
}

# Streamlit's date_input display format per language.
DATE_INPUT_FORMAT: dict[str, str] = {"vi": "DD/MM/YYYY", "en": "YYYY-MM-DD"}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalise_lang(value: object) -> Lang:
    """The language for ``value`` (a query parameter or state value), falling back to Vietnamese."""
    return "en" if value == "en" else "vi"


def t(key: str, lang: str, **values: object) -> str:
    """The label ``key`` in ``lang``, with ``values`` substituted."""
    text = LABELS[key][normalise_lang(lang)]
    return _nfc(text.format(**values) if values else text)


def category_label(category: str, lang: str) -> str:
    """The display name of a case category; an unknown code is shown as is."""
    return _nfc(CATEGORY_LABELS.get(category, {}).get(normalise_lang(lang), category))


def severity_label(severity: int, lang: str) -> str:
    """``"4 – Nghiêm trọng"``: the level and its name."""
    name = SEVERITY_LABELS.get(int(severity), {}).get(normalise_lang(lang))
    return _nfc(f"{severity} – {name}") if name else str(severity)


def sort_key(text: str) -> str:
    """A key that orders names alphabetically ignoring case and tone marks ("Đ" sorts after "D")."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("đ", "d~")


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _localise_separators(text: str, lang: str) -> str:
    """Swap Python's ``1,234.5`` separators for Vietnamese ``1.234,5``."""
    if normalise_lang(lang) == "vi":
        return text.translate(str.maketrans(",.", ".,"))
    return text


def fmt_int(value: float | None, lang: str) -> str:
    """An integer with thousands separators: vi ``12.345``, en ``12,345``."""
    if _is_missing(value):
        return MISSING
    return _localise_separators(f"{round(value):,d}", lang)  # type: ignore[arg-type]


def fmt_number(value: float | None, lang: str, decimals: int = 1) -> str:
    """A decimal number rounded half up (as people round in reports): vi ``1.234,5``, en ``1,234.5``."""
    if _is_missing(value):
        return MISSING
    # Decimal of the shortest repr, so 6.25 → 6.3 (Python's float format would give 6.2).
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return _localise_separators(f"{rounded:,.{decimals}f}", lang)


def fmt_percent(ratio: float | None, lang: str, decimals: int = 1) -> str:
    """A ratio in [0, 1] as a percentage: 0.5714 → vi ``57,1%``, en ``57.1%``."""
    if _is_missing(ratio):
        return MISSING
    return fmt_number(ratio * 100, lang, decimals) + "%"  # type: ignore[operator]


def fmt_date(value: date, lang: str) -> str:
    """A calendar day: vi ``dd/mm/yyyy``, en ``yyyy-mm-dd``."""
    return value.strftime("%d/%m/%Y" if normalise_lang(lang) == "vi" else "%Y-%m-%d")


def fmt_datetime(value: datetime | None, lang: str, tz: str) -> str:
    """A UTC instant shown in local time ``tz`` with its offset: vi ``20/01/2025 07:00 (UTC+07:00)``."""
    if value is None:
        return MISSING
    local = value.astimezone(ZoneInfo(tz))
    offset = local.strftime("%z")
    return f"{fmt_date(local.date(), lang)} {local:%H:%M} (UTC{offset[:3]}:{offset[3:]})"
