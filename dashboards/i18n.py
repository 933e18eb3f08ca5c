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
    # --- shared ---------------------------------------------------------------------------------------
    "tier": {"vi": "Cấp đơn vị", "en": "Agency tier"},
    "platform": {"vi": "Nền tảng", "en": "Platform"},
    "no_rows": {"vi": "Không có dữ liệu cho bộ lọc đã chọn.", "en": "No data for the selected filters."},
    "unit_pp": {"vi": "điểm %", "en": "pp"},
    "status_met": {"vi": "đạt", "en": "met"},
    "status_not_met": {"vi": "chưa đạt", "en": "not met"},
    "status_unknown": {"vi": "chưa có số liệu", "en": "no data yet"},
    "col_agency": {"vi": "Đơn vị", "en": "Agency"},
    "col_agency_code": {"vi": "Mã đơn vị", "en": "Agency code"},
    "col_case_id": {"vi": "Mã vụ việc", "en": "Case ID"},
    "col_tier": {"vi": "Cấp", "en": "Tier"},
    "col_category": {"vi": "Loại", "en": "Category"},
    "col_platform": {"vi": "Nền tảng", "en": "Platform"},
    "col_day": {"vi": "Ngày", "en": "Day"},
    "col_period": {"vi": "Kỳ", "en": "Period"},
    "col_period_start": {"vi": "Ngày đầu kỳ", "en": "Period start"},
    "col_median_triage_h": {"vi": "Trung vị phân loại (giờ)", "en": "Median time to triage (h)"},
    "col_median_action_h": {"vi": "Trung vị xử lý (giờ)", "en": "Median time to action (h)"},
    "col_median_close_h": {"vi": "Trung vị kết thúc (giờ)", "en": "Median time to close (h)"},
    "col_duplicates": {"vi": "Trùng lặp không phối hợp", "en": "Uncoordinated duplicates"},
    "col_duplicate_rate": {"vi": "Tỷ lệ trùng lặp (%)", "en": "Duplicate rate (%)"},
    "metric_duplicate_rate": {"vi": "Tỷ lệ trùng lặp không phối hợp", "en": "Uncoordinated duplicate rate"},
    # --- overview: targets and week-over-week change --------------------------------------------------
    "target_sla_help": {
        "vi": "Mục tiêu: ≥ {target}. Mũi tên: thay đổi theo điểm phần trăm so với tuần trước.",
        "en": "Target: ≥ {target}. Arrow: change in percentage points against the week before.",
    },
    "target_dup_help": {
        "vi": "Mục tiêu: ≤ {target}. Mũi tên: thay đổi theo điểm phần trăm so với tuần trước (giảm là tốt).",
        "en": "Target: ≤ {target}. Arrow: change in percentage points against the week before (down is good).",
    },
    "targets_caption": {
        "vi": "Mục tiêu: tỷ lệ đạt SLA ≥ {sla} ({sla_status}) · trùng lặp không phối hợp ≤ {dup} ({dup_status}).",
        "en": "Targets: SLA compliance ≥ {sla} ({sla_status}) · uncoordinated duplicates ≤ {dup} ({dup_status}).",
    },
    "wow_caption": {
        "vi": "Mũi tên: tuần ISO đầy đủ gần nhất {this_week} ({this_range}) so với tuần trước đó {previous_week}. "
        "Với thời gian xử lý, tồn đọng và trùng lặp, giảm là tốt (màu xanh).",
        "en": "Arrows: the last full ISO week {this_week} ({this_range}) against the week before, {previous_week}. "
        "For time to action, backlog and duplicates, down is good (green).",
    },
    "wow_unavailable": {
        "vi": "Không so sánh theo tuần: khoảng ngày đã chọn chưa chứa hai tuần ISO đầy đủ liên tiếp.",
        "en": "No week-over-week change: the selected days do not hold two consecutive full ISO weeks.",
    },
    "wow_delta_description": {"vi": "so với {week}", "en": "vs {week}"},
    # --- trends -------------------------------------------------------------------------------------------
    "page_trends": {"vi": "Xu hướng", "en": "Trends"},
    "trends_title": {"vi": "Xu hướng theo thời gian", "en": "Trends over time"},
    "trend_metric": {"vi": "Chỉ số", "en": "Metric"},
    "trend_grain": {"vi": "Chu kỳ", "en": "Period"},
    "grain_week": {"vi": "Tuần ISO", "en": "ISO week"},
    "grain_month": {"vi": "Tháng", "en": "Month"},
    "trends_caption": {
        "vi": "Theo ngày phát hiện (giờ Việt Nam), từ `marts.case_facts`. Trung vị nội suy tuyến tính; kỳ đầu và "
        "kỳ cuối có thể không đầy đủ nếu khoảng ngày cắt ngang.",
        "en": "By day of detection (local time), from `marts.case_facts`. Medians use linear interpolation; the "
        "first and last periods may be partial when the date range cuts through them.",
    },
    "latest_period_label": {"vi": "{metric} · {period}", "en": "{metric} · {period}"},
    # --- scorecards ---------------------------------------------------------------------------------------
    "page_scorecards": {"vi": "Bảng điểm đơn vị", "en": "Agency scorecards"},
    "scorecards_title": {"vi": "Bảng điểm các đơn vị", "en": "Agency scorecards"},
    "network_median": {"vi": "Trung vị toàn mạng lưới", "en": "Network median"},
    "network_caption": {
        "vi": "Trung vị theo đơn vị của toàn mạng lưới (bỏ qua bộ lọc đơn vị và cấp; đơn vị không có giá trị thì "
        "không tính). Dòng cuối của bảng và đường kẻ trên biểu đồ là giá trị này.",
        "en": "The median over every agency of the network (agency and tier filters ignored; agencies without a "
        "value are left out). It is the last row of the table and the rule on the chart.",
    },
    "scorecards_caption": {
        "vi": "Một dòng cho mỗi đơn vị, nhóm theo cấp. Vụ việc tính theo ngày phát hiện; chuyển giao theo ngày gửi; "
        "thời gian xác nhận là của đơn vị nhận.",
        "en": "One row per agency, grouped by tier. Cases count by day of detection, hand-offs by day sent; "
        "acknowledgement latency belongs to the receiving agency.",
    },
    "scorecard_metric": {"vi": "Chỉ số trên biểu đồ", "en": "Metric on the chart"},
    "col_handoffs_sent": {"vi": "Chuyển giao đi", "en": "Hand-offs sent"},
    "col_handoffs_received": {"vi": "Chuyển giao đến", "en": "Hand-offs received"},
    "col_median_ack_h": {"vi": "Trung vị xác nhận (giờ)", "en": "Median acknowledgement (h)"},
    # --- coordination -------------------------------------------------------------------------------------
    "page_coordination": {"vi": "Phối hợp", "en": "Coordination"},
    "coordination_title": {"vi": "Phối hợp giữa các đơn vị", "en": "Coordination between agencies"},
    "coordination_caption": {
        "vi": "Chuyển giao tính theo ngày gửi; với bộ lọc đơn vị hoặc cấp, một chuyển giao được tính khi đơn vị gửi "
        "hoặc đơn vị nhận nằm trong lựa chọn.",
        "en": "Hand-offs count by day sent; with an agency or tier filter, a hand-off counts when its sending or "
        "receiving agency is selected.",
    },
    "kpi_handoffs": {"vi": "Số chuyển giao", "en": "Hand-offs"},
    "kpi_handoffs_help": {
        "vi": "Số chuyển giao vụ việc giữa các đơn vị được gửi trong các ngày đã chọn. Nguồn: `marts.handoffs`.",
        "en": "Hand-offs of cases between agencies sent on the selected days. Source: `marts.handoffs`.",
    },
    "kpi_ack": {"vi": "Trung vị xác nhận (giờ)", "en": "Median acknowledgement (h)"},
    "kpi_ack_help": {
        "vi": "Trung vị (nội suy tuyến tính) của thời gian từ lúc gửi đến lúc đơn vị nhận xác nhận, trên các chuyển "
        "giao đã được xác nhận. Nguồn: `marts.handoffs.ack_latency_h`.",
        "en": "Median (linear interpolation) of the hours from sending to acknowledgement by the receiving agency, "
        "over acknowledged hand-offs. Source: `marts.handoffs.ack_latency_h`.",
    },
    "kpi_stalled": {"vi": "Bị treo", "en": "Stalled"},
    "kpi_stalled_help": {
        "vi": "Số chuyển giao chưa được xác nhận sau 24 giờ (và tỷ lệ trên tổng số chuyển giao). "
        "Nguồn: `marts.handoffs.is_stalled`.",
        "en": "Hand-offs not acknowledged within 24 h (and their share of all hand-offs). "
        "Source: `marts.handoffs.is_stalled`.",
    },
    "kpi_ping_pong": {"vi": "Chuyển qua lại", "en": "Ping-pong"},
    "kpi_ping_pong_help": {
        "vi": "Số chuyển giao gửi trả một vụ việc về đơn vị đã từng giữ nó (và tỷ lệ trên tổng số chuyển giao). "
        "Nguồn: `marts.handoffs.is_ping_pong`.",
        "en": "Hand-offs that send a case back to an agency that already held it (and their share of all "
        "hand-offs). Source: `marts.handoffs.is_ping_pong`.",
    },
    "kpi_dup_count_help": {
        "vi": "Số vụ việc trùng lặp không phối hợp (và tỷ lệ trên tổng số vụ việc) theo ngày phát hiện. "
        "Nguồn: `marts.case_facts.is_uncoordinated_duplicate`.",
        "en": "Uncoordinated duplicate cases (and their share of all cases) by day of detection. "
        "Source: `marts.case_facts.is_uncoordinated_duplicate`.",
    },
    "matrix_title": {"vi": "Ma trận chuyển giao", "en": "Hand-off matrix"},
    "matrix_caption": {
        "vi": "Hàng: đơn vị gửi; cột: đơn vị nhận. Màu: trung vị thời gian xác nhận (giờ); số: số chuyển giao. "
        "Ô không tô màu: chưa chuyển giao nào được xác nhận.",
        "en": "Rows: sending agency; columns: receiving agency. Colour: median acknowledgement latency (h); "
        "number: hand-offs. An uncoloured cell has no acknowledged hand-off yet.",
    },
    "col_from_agency": {"vi": "Đơn vị gửi", "en": "From agency"},
    "col_to_agency": {"vi": "Đơn vị nhận", "en": "To agency"},
    "col_handoffs": {"vi": "Số chuyển giao", "en": "Hand-offs"},
    "col_stalled": {"vi": "Bị treo", "en": "Stalled"},
    "stalled_title": {"vi": "Chuyển giao bị treo lâu nhất", "en": "Longest-stalled hand-offs"},
    "stalled_caption": {
        "vi": "Bị treo: chưa được xác nhận sau 24 giờ. Số giờ chờ tính đến lúc xác nhận, hoặc đến thời điểm dữ liệu "
        "nếu vẫn chưa xác nhận. Chỉ có mã vụ việc, không có thông tin cá nhân.",
        "en": "Stalled: not acknowledged within 24 h. Hours waiting run to the acknowledgement, or to the as-of time "
        "while there is none. Case keys only, never personal data.",
    },
    "col_case_agency": {"vi": "Đơn vị của vụ việc", "en": "Case agency"},
    "col_sent_local": {"vi": "Gửi lúc (giờ Việt Nam)", "en": "Sent (local time)"},
    "col_hours_waiting": {"vi": "Số giờ chờ", "en": "Hours waiting"},
    "col_still_waiting": {"vi": "Vẫn đang chờ", "en": "Still waiting"},
    "flow_title": {"vi": "Luồng vụ việc: từ phát hiện đến kết quả", "en": "Case flow: from detection to outcome"},
    "flow_caption": {
        "vi": "Vụ việc phát hiện trong các ngày đã chọn, theo có hay không được chuyển giao và theo kết quả hiện tại.",
        "en": "Cases detected on the selected days, by whether they were handed off and by their current outcome.",
    },
    "flow_all": {"vi": "Tất cả vụ việc", "en": "All cases"},
    "flow_referred": {"vi": "Có chuyển giao", "en": "Handed off"},
    "flow_not_referred": {"vi": "Không chuyển giao", "en": "Not handed off"},
    "col_branch": {"vi": "Nhánh", "en": "Branch"},
    "col_outcome": {"vi": "Kết quả", "en": "Outcome"},
    "duplicates_title": {"vi": "Trùng lặp không phối hợp theo tuần", "en": "Uncoordinated duplicates by week"},
    "duplicates_caption": {
        "vi": "Trùng lặp không phối hợp: cùng đường dẫn (`url_key`) với một vụ việc trước đó của đơn vị khác, phát "
        "hiện trong vòng 7 ngày trước, và không có chuyển giao nào liên kết hai vụ. Theo ngày phát hiện. "
        "Nguồn: `marts.case_facts.is_uncoordinated_duplicate`.",
        "en": "Uncoordinated duplicate: a case whose `url_key` is already in an earlier case of another agency "
        "detected at most 7 days before it, with no referral linking the two. By day of detection. "
        "Source: `marts.case_facts.is_uncoordinated_duplicate`.",
    },
    # --- platforms ----------------------------------------------------------------------------------------
    "page_platforms": {"vi": "Nền tảng", "en": "Platforms"},
    "platforms_title": {"vi": "Phản hồi của các nền tảng", "en": "Platform responsiveness"},
    "platforms_caption": {
        "vi": "Yêu cầu gỡ bỏ/xử lý gửi tới nền tảng hoặc nhà cung cấp hosting, theo ngày gửi. Trung vị và phân vị 90 "
        "(nội suy tuyến tính) của thời gian từ yêu cầu đến phản hồi, trên các yêu cầu đã có phản hồi.",
        "en": "Takedown/abuse requests to platforms and hosters, by day requested. Median and p90 (linear "
        "interpolation) of the hours from request to answer, over answered requests.",
    },
    "kpi_requests": {"vi": "Số yêu cầu", "en": "Requests"},
    "kpi_requests_help": {
        "vi": "Số yêu cầu gửi tới nền tảng trong các ngày đã chọn. Nguồn: `marts.platform_requests`.",
        "en": "Requests sent to platforms on the selected days. Source: `marts.platform_requests`.",
    },
    "kpi_median_response": {"vi": "Trung vị phản hồi (giờ)", "en": "Median response (h)"},
    "kpi_median_response_help": {
        "vi": "Trung vị của `responded_at − requested_at` (giờ) trên các yêu cầu đã có phản hồi.",
        "en": "Median of `responded_at − requested_at` (hours) over answered requests.",
    },
    "kpi_p90_response": {"vi": "Phân vị 90 phản hồi (giờ)", "en": "p90 response (h)"},
    "kpi_p90_response_help": {
        "vi": "90% yêu cầu đã phản hồi được trả lời trong khoảng thời gian này (nội suy tuyến tính).",
        "en": "90 % of the answered requests were answered within this many hours (linear interpolation).",
    },
    "kpi_enforcement": {"vi": "Tỷ lệ xử lý vi phạm", "en": "Enforcement rate"},
    "kpi_enforcement_help": {
        "vi": "Hành động xử lý (gỡ bỏ, hạn chế, chặn theo vùng, gắn nhãn) / (mọi yêu cầu đã phản hồi + không phản "
        "hồi); yêu cầu đang chờ không tính.",
        "en": "Enforcement actions (removed, restricted, geo-blocked, labelled) / (all answered + no_response); "
        "pending requests excluded.",
    },
    "kpi_pending": {"vi": "Đang chờ", "en": "Pending"},
    "kpi_pending_help": {
        "vi": "Số yêu cầu chưa có phản hồi (trạng thái `pending`).",
        "en": "Requests still waiting for an answer (action `pending`).",
    },
    "platforms_chart_title": {"vi": "Thời gian phản hồi theo nền tảng", "en": "Response time by platform"},
    "col_requests": {"vi": "Số yêu cầu", "en": "Requests"},
    "col_pending": {"vi": "Đang chờ", "en": "Pending"},
    "col_median_response_h": {"vi": "Trung vị phản hồi (giờ)", "en": "Median response (h)"},
    "col_p90_response_h": {"vi": "Phân vị 90 phản hồi (giờ)", "en": "p90 response (h)"},
    "col_enforcement_rate": {"vi": "Tỷ lệ xử lý vi phạm (%)", "en": "Enforcement rate (%)"},
    "col_statistic": {"vi": "Thống kê", "en": "Statistic"},
    "col_hours": {"vi": "Giờ", "en": "Hours"},
    "stat_median": {"vi": "Trung vị", "en": "Median"},
    "stat_p90": {"vi": "Phân vị 90", "en": "p90"},
    "total": {"vi": "Tổng", "en": "Total"},
    # --- backlog ------------------------------------------------------------------------------------------
    "page_backlog": {"vi": "Tồn đọng", "en": "Backlog ageing"},
    "backlog_title": {"vi": "Tuổi của các vụ việc tồn đọng", "en": "Backlog ageing"},
    "backlog_caption": {
        "vi": "Vụ việc còn mở vào cuối mỗi ngày (giờ Việt Nam): đã phát hiện đến lúc đó và chưa đóng, nhóm theo "
        "thời gian đã tồn tại. Nguồn: `marts.backlog_daily`.",
        "en": "Cases open at the end of each local day: detected by then and not closed by then, by how long they "
        "have been open. Source: `marts.backlog_daily`.",
    },
    "kpi_open_end": {"vi": "Đang mở cuối ngày {day}", "en": "Open at the end of {day}"},
    "kpi_open_end_help": {
        "vi": "Số vụ việc còn mở vào cuối ngày cuối cùng của khoảng đã chọn.",
        "en": "Cases open at the end of the last selected day.",
    },
    "kpi_open_over_7d": {"vi": "Tồn quá 7 ngày", "en": "Open over 7 days"},
    "kpi_open_over_7d_help": {
        "vi": "Trong số đó, các vụ việc đã mở từ 7 ngày trở lên (và tỷ lệ của chúng).",
        "en": "Of those, the cases open for 7 days or more (and their share).",
    },
    "backlog_chart_title": {"vi": "Tồn đọng theo ngày và thời gian tồn", "en": "Open cases by day and age"},
    "backlog_snapshot_title": {"vi": "Ảnh chụp cuối ngày {day}", "en": "Snapshot at the end of {day}"},
    "col_age_bucket": {"vi": "Thời gian tồn", "en": "Age"},
    "col_open_cases": {"vi": "Vụ việc đang mở", "en": "Open cases"},
    "col_share": {"vi": "Tỷ trọng (%)", "en": "Share (%)"},
    # --- hotspots -----------------------------------------------------------------------------------------
    "page_hotspots": {"vi": "Điểm nóng", "en": "Hotspots"},
    "hotspots_title": {"vi": "Điểm nóng theo loại", "en": "Hotspots by category"},
    "hotspots_caption": {
        "vi": "Điểm nóng: một (loại, ngày) có số vụ việc mới vượt trung bình 28 ngày trước đó ít nhất 3 độ lệch chuẩn "
        "và đạt ít nhất 10 vụ. Tính cho toàn mạng lưới: chỉ áp dụng bộ lọc ngày và loại.",
        "en": "Hotspot: a (category, day) whose new cases exceed the trailing 28-day mean by at least 3 standard "
        "deviations, with at least 10 cases. Network-wide: only the date and category filters apply.",
    },
    "kpi_hotspot_days": {"vi": "Số điểm nóng", "en": "Hotspot days"},
    "kpi_hotspot_days_help": {
        "vi": "Số cặp (loại, ngày) là điểm nóng trong khoảng đã chọn. Nguồn: `marts.hotspots`.",
        "en": "(category, day) pairs that are hotspots in the selected range. Source: `marts.hotspots`.",
    },
    "kpi_hotspot_categories": {"vi": "Số loại có điểm nóng", "en": "Categories with hotspots"},
    "kpi_hotspot_categories_help": {
        "vi": "Số loại vụ việc có ít nhất một ngày điểm nóng.",
        "en": "Case categories with at least one hotspot day.",
    },
    "kpi_hotspot_peak": {"vi": "Ngày điểm nóng lớn nhất (vụ)", "en": "Largest hotspot day (cases)"},
    "kpi_hotspot_peak_help": {
        "vi": "Số vụ việc mới cao nhất trong một ngày điểm nóng.",
        "en": "The most new cases on one hotspot day.",
    },
    "hotspot_list_title": {"vi": "Các ngày điểm nóng", "en": "Hotspot days"},
    "hotspot_chart_title": {
        "vi": "Vụ việc mới và trung bình 28 ngày, theo loại",
        "en": "New cases vs 28-day mean, by category",
    },
    "no_hotspots": {"vi": "Không có điểm nóng nào trong khoảng đã chọn.", "en": "No hotspot in the selected range."},
    "col_new_cases": {"vi": "Vụ việc mới", "en": "New cases"},
    "col_trailing_mean": {"vi": "Trung bình 28 ngày", "en": "28-day mean"},
    "col_trailing_std": {"vi": "Độ lệch chuẩn 28 ngày", "en": "28-day std"},
    "col_sigma": {"vi": "Số độ lệch chuẩn trên trung bình", "en": "Std devs above the mean"},
    "col_is_hotspot": {"vi": "Điểm nóng", "en": "Hotspot"},
    "col_series": {"vi": "Chuỗi", "en": "Series"},
    "col_cases_count": {"vi": "Số vụ", "en": "Cases"},
    # --- public responses ---------------------------------------------------------------------------------
    "page_public": {"vi": "Phản hồi công khai", "en": "Public responses"},
    "public_title": {"vi": "Phản hồi công khai với thông tin sai", "en": "Public responses to misinformation"},
    "public_caption": {
        "vi": "Vụ việc cần phản hồi: thông tin sai về y tế hoặc thiên tai có lượt tiếp cận ≥ 10.000, theo ngày phát "
        "hiện. Được phản hồi: có thông cáo/đính chính chính thức cho đường dẫn đó trong vòng 48 giờ sau khi phát hiện.",
        "en": "Eligible: health or disaster misinformation with reach ≥ 10,000, by day of detection. Covered: an "
        "official clarification for that URL published within 48 h of detection.",
    },
    "kpi_eligible": {"vi": "Vụ việc cần phản hồi", "en": "Eligible cases"},
    "kpi_eligible_help": {
        "vi": "Nguồn: `marts.public_response_coverage`.",
        "en": "Source: `marts.public_response_coverage`.",
    },
    "kpi_coverage": {"vi": "Được phản hồi trong 48 giờ", "en": "Covered within 48 h"},
    "kpi_coverage_help": {
        "vi": "Tỷ lệ vụ việc cần phản hồi có phản hồi công khai trong vòng 48 giờ sau khi phát hiện, tính trên các "
        "vụ việc đã qua đủ 48 giờ tại thời điểm dữ liệu (vụ việc mới hơn vẫn có thể được phản hồi kịp).",
        "en": "Share of the eligible cases with a public response within 48 h of detection, over the cases whose "
        "48 h had passed at the as-of time (newer cases may still be answered in time).",
    },
    "within_window_caption": {
        "vi": "{count} vụ việc phát hiện chưa đủ 48 giờ trước thời điểm dữ liệu chưa được tính vào tỷ lệ.",
        "en": "{count} eligible case(s) detected less than 48 h before the as-of time are not in the ratio yet.",
    },
    "col_decided": {"vi": "Đã qua 48 giờ", "en": "48 h window closed"},
    "kpi_time_to_response": {"vi": "Trung vị đến phản hồi (giờ)", "en": "Median time to response (h)"},
    "kpi_time_to_response_help": {
        "vi": "Trung vị (nội suy tuyến tính) của thời gian từ phát hiện đến phản hồi công khai đầu tiên, trên các vụ "
        "việc đã có phản hồi.",
        "en": "Median (linear interpolation) of the hours from detection to the first public response, over the "
        "cases that have one.",
    },
    "kpi_uncovered": {"vi": "Chưa được phản hồi kịp", "en": "Not covered"},
    "kpi_uncovered_help": {
        "vi": "Vụ việc cần phản hồi đã qua 48 giờ mà không có phản hồi trong 48 giờ (xem danh sách).",
        "en": "Eligible cases whose 48 h passed without a response (see the list).",
    },
    "uncovered_title": {"vi": "Vụ việc chưa được phản hồi kịp", "en": "Eligible cases not covered"},
    "coverage_trend_title": {"vi": "Tỷ lệ phản hồi trong 48 giờ theo tuần", "en": "Coverage within 48 h by week"},
    "col_reach": {"vi": "Lượt tiếp cận", "en": "Reach"},
    "col_detected_local": {"vi": "Phát hiện lúc (giờ Việt Nam)", "en": "Detected (local time)"},
    "col_time_to_response_h": {"vi": "Thời gian đến phản hồi (giờ)", "en": "Time to response (h)"},
    "col_eligible": {"vi": "Vụ việc cần phản hồi", "en": "Eligible cases"},
    "col_covered": {"vi": "Được phản hồi trong 48 giờ", "en": "Covered within 48 h"},
    "col_coverage": {"vi": "Tỷ lệ phản hồi trong 48 giờ (%)", "en": "Coverage within 48 h (%)"},
    "missing_serving_title": {
        "vi": "Chưa có dữ liệu để hiển thị · No data to show yet",
        "en": "Chưa có dữ liệu để hiển thị · No data to show yet",
    },
    # --- auditors -------------------------------------------------------------------------------------
    "section_auditors": {"vi": "Kiểm toán", "en": "Auditors"},
    "page_data_quality": {"vi": "Chất lượng dữ liệu", "en": "Data quality"},
    "page_quarantine": {"vi": "Dòng bị cách ly", "en": "Quarantined rows"},
    "page_reconciliation": {"vi": "Đối soát lô dữ liệu", "en": "Batch reconciliation"},
    "dq_title": {"vi": "Kết quả kiểm tra chất lượng dữ liệu", "en": "Data quality validation results"},
    "dq_no_validations": {
        "vi": "Chưa có kết quả kiểm tra nào trong bản dữ liệu phục vụ (audit.validations trống).",
        "en": "The serving copy holds no validation results yet (audit.validations is empty).",
    },
    "dq_latest_run": {
        "vi": "Lần kiểm tra mới nhất: lần chạy `{run_id}`, lúc {validated_at}.",
        "en": "Latest validation: run `{run_id}`, at {validated_at}.",
    },
    "kpi_dq_evaluated": {"vi": "Kỳ vọng đã kiểm tra", "en": "Expectations evaluated"},
    "kpi_dq_evaluated_help": {
        "vi": "Số kỳ vọng (Great Expectations) được kiểm tra trong lần chạy mới nhất, mọi bộ kiểm tra. "
        "Nguồn: `audit.validations`.",
        "en": "Great Expectations expectations evaluated in the latest run, over every suite. "
        "Source: `audit.validations`.",
    },
    "kpi_dq_failed": {"vi": "Kỳ vọng không đạt", "en": "Expectations failed"},
    "kpi_dq_failed_help": {
        "vi": "Số kỳ vọng không đạt trong lần chạy mới nhất (`success = false`). Nguồn: `audit.validations`.",
        "en": "Expectations that failed in the latest run (`success = false`). Source: `audit.validations`.",
    },
    "kpi_dq_pass_rate": {"vi": "Tỷ lệ đạt", "en": "Pass rate"},
    "kpi_dq_pass_rate_help": {
        "vi": "Kỳ vọng đạt / kỳ vọng đã kiểm tra, trong lần chạy mới nhất. Nguồn: `audit.validations`.",
        "en": "Expectations passed / evaluated, in the latest run. Source: `audit.validations`.",
    },
    "dq_suites_title": {"vi": "Kết quả theo bộ kiểm tra (lần chạy mới nhất)", "en": "Results per suite (latest run)"},
    "dq_trend_title": {"vi": "Tỷ lệ đạt qua các lần chạy", "en": "Pass rate across runs"},
    "dq_failing_title": {"vi": "Kỳ vọng không đạt (lần chạy mới nhất)", "en": "Failing expectations (latest run)"},
    "dq_all_passed": {
        "vi": "Mọi kỳ vọng trong lần chạy mới nhất đều đạt.",
        "en": "Every expectation passed in the latest run.",
    },
    "dq_docs_title": {
        "vi": "Data Docs (báo cáo HTML của Great Expectations)",
        "en": "Data Docs (Great Expectations HTML)",
    },
    "dq_docs": {
        "vi": "Data Docs là các tệp HTML tĩnh do `concord report` tạo, không có máy chủ web phục vụ chúng. "
        "Hãy mở tệp này trong trình duyệt trên máy chạy pipeline:\n\n`{path}`",
        "en": "The Data Docs are static HTML files written by `concord report`; no web server serves them. "
        "Open this file in a browser on the machine that runs the pipeline:\n\n`{path}`",
    },
    "dq_docs_missing": {
        "vi": "Tệp chưa tồn tại: chạy `uv run concord report` để tạo.",
        "en": "The file does not exist yet: run `uv run concord report` to build it.",
    },
    "col_run": {"vi": "Lần chạy", "en": "Run"},
    "col_suite": {"vi": "Bộ kiểm tra", "en": "Suite"},
    "col_table": {"vi": "Bảng", "en": "Table"},
    "col_validated_at": {"vi": "Kiểm tra lúc (giờ Việt Nam)", "en": "Validated at (local time)"},
    "col_evaluated": {"vi": "Đã kiểm tra", "en": "Evaluated"},
    "col_failed": {"vi": "Không đạt", "en": "Failed"},
    "col_pass_rate": {"vi": "Tỷ lệ đạt (%)", "en": "Pass rate (%)"},
    "col_expectation": {"vi": "Kỳ vọng", "en": "Expectation"},
    "col_column": {"vi": "Cột", "en": "Column"},
    "col_observed": {"vi": "Giá trị quan sát", "en": "Observed value"},
    "col_unexpected": {"vi": "Số giá trị sai", "en": "Unexpected values"},
    "col_elements": {"vi": "Số giá trị", "en": "Values checked"},
    "col_why": {"vi": "Lý do có kỳ vọng (tiếng Anh)", "en": "Why"},
    "quarantine_title": {"vi": "Dòng dữ liệu bị cách ly", "en": "Quarantined rows"},
    "quarantine_caption": {
        "vi": "Các dòng không qua được kiểm tra khi nạp được giữ nguyên trong `quarantine.rows` cùng mã lý do. "
        "Lọc theo nguồn, lô và mã lý do (một dòng khớp khi có bất kỳ mã nào đã chọn).",
        "en": "Rows that failed the load checks are kept as they came in `quarantine.rows` with their reason codes. "
        "Filter by source, batch and reason code (a row matches when it carries any chosen code).",
    },
    "quarantine_none": {"vi": "Không có dòng nào bị cách ly.", "en": "No row is quarantined."},
    "source": {"vi": "Nguồn", "en": "Source"},
    "batch": {"vi": "Lô", "en": "Batch"},
    "reason_code": {"vi": "Mã lý do", "en": "Reason code"},
    "kpi_quarantined": {"vi": "Dòng bị cách ly", "en": "Quarantined rows"},
    "kpi_quarantined_help": {
        "vi": "Số dòng trong `quarantine.rows` khớp bộ lọc.",
        "en": "Rows in `quarantine.rows` that match the filters.",
    },
    "kpi_reason_codes": {"vi": "Mã lý do khác nhau", "en": "Distinct reason codes"},
    "kpi_reason_codes_help": {
        "vi": "Số mã lý do khác nhau trên các dòng khớp bộ lọc.",
        "en": "Distinct reason codes on the rows that match the filters.",
    },
    "quarantine_reasons_title": {"vi": "Số dòng theo mã lý do", "en": "Rows per reason code"},
    "quarantine_rows_title": {"vi": "Các dòng bị cách ly", "en": "The quarantined rows"},
    "quarantine_shown": {
        "vi": "Dòng {first}–{last} trên tổng số {total} (trang {page}/{pages}, mỗi trang {per_page} dòng; "
        "tệp xuất gồm trang đang xem).",
        "en": "Rows {first}–{last} of {total} (page {page} of {pages}, {per_page} rows a page; "
        "the export holds the page shown).",
    },
    "quarantine_page": {"vi": "Trang", "en": "Page"},
    "col_row_number": {"vi": "Số dòng trong tệp", "en": "Row number"},
    "col_reason_codes": {"vi": "Mã lý do", "en": "Reason codes"},
    "col_raw": {"vi": "Dòng gốc (JSON)", "en": "Raw row (JSON)"},
    "col_rows": {"vi": "Số dòng", "en": "Rows"},
    "reconciliation_title": {"vi": "Đối soát lô dữ liệu và độ mới", "en": "Batch reconciliation and freshness"},
    "reconciliation_caption": {
        "vi": "Mỗi lô phải cân: số dòng đọc vào = dòng đã nạp + dòng bị cách ly. Nguồn: `audit.batches`, `audit.runs`.",
        "en": "Every batch must balance: rows in = rows loaded + rows quarantined. "
        "Source: `audit.batches`, `audit.runs`.",
    },
    "kpi_batches": {"vi": "Số lô", "en": "Batches"},
    "kpi_batches_help": {
        "vi": "Số lô (tệp) đã ghi nhận, mọi lần chạy. Nguồn: `audit.batches`.",
        "en": "Batches (files) recorded, over every run. Source: `audit.batches`.",
    },
    "kpi_unbalanced": {"vi": "Lô không cân", "en": "Unbalanced batches"},
    "kpi_unbalanced_help": {
        "vi": "Số lô có số dòng đọc vào khác dòng đã nạp + dòng bị cách ly; phải bằng 0.",
        "en": "Batches whose rows in differ from rows loaded + rows quarantined; should be 0.",
    },
    "kpi_stale": {"vi": "Nguồn quá hạn", "en": "Stale sources"},
    "kpi_stale_help": {
        "vi": "Số nguồn có lô nạp mới nhất cũ hơn giới hạn của nguồn (hoặc chưa từng nạp), tính đến bây giờ.",
        "en": "Sources whose newest loaded batch is older than the source's limit (or that never loaded), as of now.",
    },
    "runs_title": {"vi": "Tổng theo lần chạy", "en": "Totals per run"},
    "batches_title": {"vi": "Theo lô", "en": "Per batch"},
    "freshness_title": {"vi": "Độ mới theo nguồn", "en": "Freshness per source"},
    "freshness_caption": {
        "vi": "Thời gian từ lô nạp mới nhất (`loaded_at`) đến bây giờ, {now}, so với giới hạn của từng nguồn.",
        "en": "Time from the newest loaded batch (`loaded_at`) to now, {now}, against each source's limit.",
    },
    "col_run_status": {"vi": "Trạng thái lần chạy", "en": "Run status"},
    "col_started_at": {"vi": "Bắt đầu (giờ Việt Nam)", "en": "Started (local time)"},
    "col_file": {"vi": "Tệp", "en": "File"},
    "col_sha256": {"vi": "SHA-256 (rút gọn)", "en": "SHA-256 (short)"},
    "col_status": {"vi": "Trạng thái", "en": "Status"},
    "col_reason": {"vi": "Lý do", "en": "Reason"},
    "col_rows_in": {"vi": "Dòng đọc vào", "en": "Rows in"},
    "col_rows_loaded": {"vi": "Dòng đã nạp", "en": "Rows loaded"},
    "col_rows_quarantined": {"vi": "Dòng bị cách ly", "en": "Rows quarantined"},
    "col_balanced": {"vi": "Cân (vào = nạp + cách ly)", "en": "Balanced (in = loaded + quarantined)"},
    "col_loaded_at": {"vi": "Nạp lúc (giờ Việt Nam)", "en": "Loaded at (local time)"},
    "col_batches": {"vi": "Số lô", "en": "Batches"},
    "col_newest_loaded": {"vi": "Lô nạp mới nhất (giờ Việt Nam)", "en": "Newest loaded batch (local time)"},
    "col_age_days": {"vi": "Tuổi (ngày)", "en": "Age (days)"},
    "col_limit_days": {"vi": "Giới hạn (ngày)", "en": "Limit (days)"},
    "col_stale": {"vi": "Quá hạn", "en": "Stale"},
    "rows_kind": {"vi": "Loại dòng", "en": "Kind of row"},
    # --- engineers ------------------------------------------------------------------------------------
    "section_engineers": {"vi": "Kỹ sư dữ liệu", "en": "Engineers"},
    "page_operations": {"vi": "Vận hành", "en": "Operations"},
    "ops_title": {"vi": "Vận hành: lần chạy, lịch và độ mới nguồn", "en": "Operations: runs, schedules, source health"},
    "prefect_read_at": {
        "vi": "Đọc từ Prefect (`{url}`) lúc {read_at}; làm mới sau mỗi {ttl} giây.",
        "en": "Read from Prefect (`{url}`) at {read_at}; refreshed every {ttl} s.",
    },
    "prefect_not_configured": {
        "vi": "Chưa cấu hình máy chủ Prefect: biến môi trường `PREFECT_API_URL` chưa được đặt, nên không hiển thị "
        "được lần chạy, lịch và lỗi. Hãy khởi động bằng `concord serve` (tự đặt biến này) hoặc đặt "
        "`PREFECT_API_URL` (ví dụ `http://127.0.0.1:4200/api`). Độ mới theo nguồn bên dưới vẫn đọc từ bản dữ liệu "
        "phục vụ.",
        "en": "No Prefect server is configured: `PREFECT_API_URL` is not set, so runs, schedules and failures cannot "
        "be shown. Start with `concord serve` (which sets it) or set `PREFECT_API_URL` (e.g. "
        "`http://127.0.0.1:4200/api`). Source health below is still read from the serving copy.",
    },
    "prefect_unreachable": {
        "vi": "Không kết nối được máy chủ Prefect tại `{url}` ({detail}). Máy chủ có đang chạy không? "
        "Độ mới theo nguồn bên dưới vẫn đọc từ bản dữ liệu phục vụ.",
        "en": "The Prefect server at `{url}` cannot be reached ({detail}). Is it running? "
        "Source health below is still read from the serving copy.",
    },
    "prefect_api_error": {
        "vi": "Máy chủ Prefect tại `{url}` trả lỗi khi đọc lần chạy: {detail}",
        "en": "The Prefect server at `{url}` returned an error while reading runs: {detail}",
    },
    "kpi_recent_runs": {"vi": "Lần chạy gần đây", "en": "Recent runs"},
    "kpi_recent_runs_help": {
        "vi": "Số lần chạy flow (không tính lần chỉ mới lên lịch) trong {limit} lần mới nhất đọc từ Prefect.",
        "en": "Flow runs (not merely scheduled ones) among the {limit} newest read from Prefect.",
    },
    "kpi_recent_failed": {"vi": "Thất bại gần đây", "en": "Recent failures"},
    "kpi_recent_failed_help": {
        "vi": "Trong các lần chạy gần đây: số lần ở trạng thái Thất bại hoặc Sập.",
        "en": "Among the recent runs: those in a Failed or Crashed state.",
    },
    "kpi_deployments": {"vi": "Deployment", "en": "Deployments"},
    "kpi_deployments_help": {
        "vi": "Số deployment đăng ký trên máy chủ Prefect (số đang tạm dừng trong ngoặc).",
        "en": "Deployments registered on the Prefect server (paused ones in brackets).",
    },
    "kpi_next_run": {"vi": "Lần chạy kế tiếp", "en": "Next scheduled run"},
    "kpi_next_run_help": {
        "vi": "Thời điểm dự kiến sớm nhất của các lần chạy đã lên lịch, giờ Việt Nam: {at}.",
        "en": "The earliest expected start among the scheduled runs, local time: {at}.",
    },
    "last_failure_title": {"vi": "Lỗi gần nhất", "en": "Last failure"},
    "last_failure_none": {
        "vi": "Prefect không ghi nhận lần chạy nào thất bại hoặc sập.",
        "en": "Prefect records no failed or crashed flow run.",
    },
    "last_failure_summary": {
        "vi": "Flow **{flow}** · deployment **{deployment}** · lần chạy `{run}` · {state} lúc {at}",
        "en": "Flow **{flow}** · deployment **{deployment}** · run `{run}` · {state} at {at}",
    },
    "no_message": {"vi": "(không có thông điệp)", "en": "(no message)"},
    "recent_runs_title": {"vi": "Các lần chạy gần đây", "en": "Recent flow runs"},
    "filter_flow": {"vi": "Flow", "en": "Flow"},
    "filter_state": {"vi": "Trạng thái", "en": "State"},
    "deployments_title": {"vi": "Deployment và lịch chạy", "en": "Deployments and schedules"},
    "scheduled_title": {"vi": "Các lần chạy đã lên lịch", "en": "Scheduled runs"},
    "scheduled_none": {
        "vi": "Chưa có lần chạy nào được lên lịch (lịch có thể đang tạm dừng, hoặc bộ lập lịch chưa chạy).",
        "en": "No run is scheduled (schedules may be paused, or the scheduler has not run yet).",
    },
    "every_day": {"vi": "mỗi {n} ngày", "en": "every {n} day(s)"},
    "every_hour": {"vi": "mỗi {n} giờ", "en": "every {n} h"},
    "every_minute": {"vi": "mỗi {n} phút", "en": "every {n} min"},
    "every_second": {"vi": "mỗi {n} giây", "en": "every {n} s"},
    "schedule_cron": {"vi": "cron {cron} ({tz})", "en": "cron {cron} ({tz})"},
    "schedule_rrule": {"vi": "RRULE {rrule} ({tz})", "en": "RRULE {rrule} ({tz})"},
    "schedule_inactive": {"vi": "đang tắt", "en": "inactive"},
    "source_health_title": {"vi": "Độ mới và lỗi theo nguồn", "en": "Source health"},
    "source_health_caption": {
        "vi": "Từ bản dữ liệu phục vụ (`audit.batches`): lô nạp mới nhất của mỗi nguồn và tuổi của nó tính đến bây "
        "giờ, {now}; số tệp bị từ chối trong {days} ngày qua.",
        "en": "From the serving copy (`audit.batches`): each source's newest loaded batch and its age as of now, "
        "{now}; files rejected in the last {days} days.",
    },
    "rejected_title": {"vi": "Tệp bị từ chối gần đây", "en": "Recently rejected files"},
    "rejected_none": {"vi": "Chưa có tệp nào bị từ chối.", "en": "No file has been rejected."},
    "col_flow": {"vi": "Flow", "en": "Flow"},
    "col_deployment": {"vi": "Deployment", "en": "Deployment"},
    "col_run_name": {"vi": "Tên lần chạy", "en": "Run name"},
    "col_state": {"vi": "Trạng thái", "en": "State"},
    "col_ended_at": {"vi": "Kết thúc (giờ Việt Nam)", "en": "Ended (local time)"},
    "col_duration_s": {"vi": "Thời lượng (giây)", "en": "Duration (s)"},
    "col_parameters": {"vi": "Tham số", "en": "Parameters"},
    "col_schedule": {"vi": "Lịch", "en": "Schedule"},
    "col_paused": {"vi": "Tạm dừng", "en": "Paused"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "col_next_run": {"vi": "Lần chạy kế tiếp (giờ Việt Nam)", "en": "Next run (local time)"},
    "col_expected_start": {"vi": "Dự kiến bắt đầu (giờ Việt Nam)", "en": "Expected start (local time)"},
    "col_kind": {"vi": "Loại", "en": "Kind"},
    "col_name": {"vi": "Tên", "en": "Name"},
    "col_failed_at": {"vi": "Thất bại lúc (giờ Việt Nam)", "en": "Failed at (local time)"},
    "col_message": {"vi": "Thông điệp lỗi", "en": "Error message"},
    "col_flow_run_id": {"vi": "Mã lần chạy", "en": "Flow run id"},
    "col_newest_file": {"vi": "Tệp nạp mới nhất", "en": "Newest loaded file"},
    "col_rejected_recently": {"vi": "Tệp bị từ chối gần đây", "en": "Files rejected recently"},
    "col_rejected_at": {"vi": "Từ chối lúc (giờ Việt Nam)", "en": "Rejected at (local time)"},
    "kind_flow_run": {"vi": "Lần chạy flow", "en": "Flow run"},
    "kind_task_run": {"vi": "Lần chạy task", "en": "Task run"},
    # --- lineage and KPI warning badges -------------------------------------------------------------------
    "page_lineage": {"vi": "Truy vết KPI", "en": "KPI lineage"},
    "lineage_title": {
        "vi": "Truy vết KPI: định nghĩa → bảng → lô → tệp",
        "en": "KPI lineage: definition → tables → batches → files",
    },
    "lineage_caption": {
        "vi": "Chọn một KPI để xem định nghĩa, bảng kết quả, các bảng đầu vào, kết quả kiểm tra mới nhất của từng "
        "đầu vào, và các lô dữ liệu (tệp, SHA-256, số dòng) đứng sau từng bảng đầu vào.",
        "en": "Pick a KPI to see its definition, the mart tables it lands in, its input tables, the latest "
        "validation of each input, and the batches (files, SHA-256, row counts) behind each input table.",
    },
    "lineage_pick_kpi": {"vi": "Chỉ số (KPI)", "en": "KPI"},
    "lineage_unknown_kpi": {
        "vi": "Danh mục chỉ số không có KPI `{kpi}`; đang hiển thị KPI đầu tiên.",
        "en": "The metric catalogue has no KPI `{kpi}`; showing the first KPI instead.",
    },
    "lineage_definition": {"vi": "Định nghĩa", "en": "Definition"},
    "lineage_definition_source": {
        "vi": "Định nghĩa đầy đủ, đơn vị và các trường hợp biên: `docs/metrics.md`, mục `{id}`.",
        "en": "Full definition, unit and edge cases: `docs/metrics.md`, entry `{id}`.",
    },
    "lineage_lands_in": {"vi": "Bảng kết quả (mart)", "en": "Lands in (marts)"},
    "lineage_inputs": {"vi": "Bảng đầu vào", "en": "Input tables"},
    "lineage_inputs_caption": {
        "vi": "Theo danh mục: {written}. Một mart đầu vào được truy tiếp đến các bảng staging tạo ra nó: {staged}.",
        "en": "As catalogued: {written}. A mart input is traced on to the staged tables it is built from: {staged}.",
    },
    "lineage_health_title": {"vi": "Tình trạng đầu vào", "en": "Health of the inputs"},
    "lineage_healthy": {
        "vi": "Mọi đầu vào đều đạt kiểm tra ở lần kiểm tra mới nhất, còn mới và khối lượng bình thường.",
        "en": "Every input passed the latest validation run, is fresh and had a normal volume.",
    },
    "lineage_validations_title": {
        "vi": "Kết quả kiểm tra mới nhất của từng đầu vào",
        "en": "Latest validation of each input",
    },
    "lineage_batches_title": {
        "vi": "Lô dữ liệu và tệp phía sau từng bảng đầu vào",
        "en": "Batches and files behind each input table",
    },
    "lineage_batches_caption": {
        "vi": 'Mỗi lô có dòng đang nằm trong bảng staging. "Dòng hiện có trong bảng" có thể nhỏ hơn số dòng đã nạp '
        "khi lô sau đã sửa (thay thế) một số dòng.",
        "en": 'Every batch with rows now in the staged table. "Rows now in the table" can be below the rows loaded '
        "when a later batch corrected (replaced) some of them.",
    },
    "kpi_lineage_tables": {"vi": "Bảng staging đầu vào", "en": "Staged input tables"},
    "kpi_lineage_tables_help": {
        "vi": "Số bảng staging mà KPI được tính từ đó (trực tiếp, hoặc qua mart đầu vào).",
        "en": "Staged tables the KPI is computed from (directly, or through a mart it reads).",
    },
    "kpi_lineage_batches": {"vi": "Lô dữ liệu", "en": "Batches"},
    "kpi_lineage_batches_help": {
        "vi": "Số lô (tệp) có dòng đang nằm trong các bảng đầu vào.",
        "en": "Batches (files) with rows now in the input tables.",
    },
    "kpi_lineage_rows": {"vi": "Dòng trong các bảng đầu vào", "en": "Rows in the input tables"},
    "kpi_lineage_rows_help": {
        "vi": "Tổng số dòng hiện có trong các bảng staging đầu vào, cộng theo lô (`audit.lineage`).",
        "en": "Rows now in the staged input tables, summed over their batches (`audit.lineage`).",
    },
    "col_batch": {"vi": "Lô", "en": "Batch"},
    "col_sha256_full": {"vi": "SHA-256", "en": "SHA-256"},
    "col_rows_in_table": {"vi": "Dòng hiện có trong bảng", "en": "Rows now in the table"},
    "col_passed": {"vi": "Đạt", "en": "Passed"},
    "not_validated": {"vi": "chưa kiểm tra", "en": "not validated"},
    "badge_label": {"vi": "Đầu vào có vấn đề", "en": "Input issues"},
    "health_unavailable": {
        "vi": "⚠️ Không kiểm tra được tình trạng đầu vào của các KPI (không có cảnh báo): {error}",
        "en": "⚠️ Could not check the health of the KPIs' inputs (no badges shown): {error}",
    },
    "badge_failed": {
        "vi": "`{table}`: {failed} kỳ vọng không đạt (bộ `{suite}`, lần kiểm tra mới nhất)",
        "en": "`{table}`: {failed} expectation(s) failed (suite `{suite}`, latest validation run)",
    },
    "badge_stale": {
        "vi": "nguồn `{source}` quá hạn: lô mới nhất đã {age} ngày (giới hạn {limit} ngày)",
        "en": "source `{source}` is stale: newest batch {age} days old (limit {limit} days)",
    },
    "badge_stale_never": {
        "vi": "nguồn `{source}` quá hạn: chưa nạp lô nào (giới hạn {limit} ngày)",
        "en": "source `{source}` is stale: no batch loaded yet (limit {limit} days)",
    },
    "badge_anomalous": {
        "vi": "nguồn `{source}`: khối lượng bất thường ở lần chạy mới nhất — {note}",
        "en": "source `{source}`: anomalous volume in the latest run — {note}",
    },
    "badge_short_failed": {
        "vi": "`{table}`: kiểm tra không đạt ({failed})",
        "en": "`{table}`: validation failed ({failed})",
    },
    "badge_short_stale": {"vi": "`{source}`: quá hạn ({age} ngày)", "en": "`{source}`: stale ({age} days)"},
    "badge_short_stale_never": {"vi": "`{source}`: chưa nạp lô nào", "en": "`{source}`: never loaded"},
    "badge_short_anomalous": {"vi": "`{source}`: khối lượng bất thường", "en": "`{source}`: anomalous volume"},
    "badge_link": {"vi": "Xem bằng chứng", "en": "See the evidence"},
    "volume_title": {"vi": "Khối lượng theo nguồn", "en": "Volume by source"},
    "volume_caption": {
        "vi": "Số dòng mỗi nguồn nạp trong lần chạy {run} ({checked}), so với trung vị các lần chạy trước có dữ liệu "
        "của chính nguồn đó: ngoài khoảng trung vị ± k·MAD là bất thường. Nguồn: `audit.volume_checks`.",
        "en": "Rows each source loaded in run {run} ({checked}), against the median of that source's own earlier "
        "runs with deliveries: outside median ± k·MAD is anomalous. Source: `audit.volume_checks`.",
    },
    "volume_none": {
        "vi": "Chưa có kiểm tra khối lượng nào: chúng được ghi ở mỗi lần chạy pipeline.",
        "en": "No volume checks yet: each pipeline run records them.",
    },
    "volume_status_ok": {"vi": "✅ bình thường", "en": "✅ ok"},
    "volume_status_anomalous": {"vi": "⚠️ bất thường", "en": "⚠️ anomalous"},
    "volume_status_no_history": {"vi": "ℹ️ chưa đủ lịch sử", "en": "ℹ️ too little history"},
    "volume_status_no_delivery": {"vi": "— không có tệp mới", "en": "— nothing new delivered"},
    "col_history_runs": {"vi": "Số lần chạy trước", "en": "Earlier runs"},
    "col_baseline_median": {"vi": "Trung vị (dòng)", "en": "Baseline median (rows)"},
    "col_lower_bound": {"vi": "Cận dưới", "en": "Lower bound"},
    "col_upper_bound": {"vi": "Cận trên", "en": "Upper bound"},
}

# The KPIs of the metric catalogue (docs/metrics.md, by id): their names, and the one-line definition in Vietnamese
# (the English one is read from the catalogue itself). tests/dashboards/test_dashboard_lineage.py checks that every
# implemented metric has both.
METRIC_NAMES: dict[str, dict[str, str]] = {
    "time_to_triage": {"vi": "Thời gian phân loại", "en": "Time to triage"},
    "time_to_action": {"vi": "Thời gian xử lý", "en": "Time to action"},
    "time_to_close": {"vi": "Thời gian kết thúc", "en": "Time to close"},
    "sla_compliance": {"vi": "Tỷ lệ đạt SLA", "en": "SLA compliance"},
    "handoff_acknowledgement": {"vi": "Xác nhận chuyển giao", "en": "Hand-off acknowledgement"},
    "handoff_ping_pong": {"vi": "Chuyển giao qua lại", "en": "Hand-off ping-pong"},
    "uncoordinated_duplicate": {"vi": "Trùng lặp không phối hợp", "en": "Uncoordinated duplicate"},
    "platform_responsiveness": {"vi": "Mức phản hồi của nền tảng", "en": "Platform responsiveness"},
    "backlog": {"vi": "Tồn đọng", "en": "Backlog"},
    "public_response_coverage": {"vi": "Độ phủ phản hồi công khai", "en": "Public-response coverage"},
    "recurrence": {"vi": "Tái xuất hiện", "en": "Recurrence"},
    "hotspot": {"vi": "Điểm nóng", "en": "Hotspot"},
    "case_outcome": {"vi": "Kết cục vụ việc", "en": "Case outcome"},
    "daily_case_counts": {"vi": "Số vụ việc theo ngày", "en": "Daily case counts"},
}
METRIC_DEFINITIONS_VI: dict[str, str] = {
    "time_to_triage": "`triaged_at − detected_at` của một vụ việc (giờ).",
    "time_to_action": "Thời điểm nền tảng phản hồi bằng biện pháp xử lý sớm nhất (gỡ bỏ, hạn chế, chặn theo vùng, "
    "gắn nhãn) cho vụ việc, trừ `detected_at` (giờ).",
    "time_to_close": "`closed_at − detected_at` của một vụ việc (giờ).",
    "sla_compliance": "Theo mục tiêu của mức độ (nghiêm trọng 4 giờ, cao 24 giờ, trung bình 72 giờ, thấp 168 giờ): "
    "đạt khi xử lý trong mục tiêu; vi phạm khi xử lý muộn, hoặc chưa xử lý mà đã quá mục tiêu; "
    "tỷ lệ đạt = đạt / (đạt + vi phạm), không tính vụ đang chờ.",
    "handoff_acknowledgement": "Với mỗi lượt chuyển giao: `acknowledged_at − sent_at`; chưa được xác nhận trong "
    "24 giờ thì bị tính là treo.",
    "handoff_ping_pong": "Một lượt chuyển giao là chuyển qua lại khi đơn vị nhận đã từng giữ vụ việc.",
    "uncoordinated_duplicate": "Vụ việc có `url_key` đã có trong vụ việc trước đó của đơn vị khác, phát hiện không "
    "quá 7 ngày (168 giờ) trước, mà không có lượt chuyển giao nào nối hai vụ; tỷ lệ trùng lặp = số vụ như vậy / "
    "tổng số vụ việc.",
    "platform_responsiveness": "Với mỗi yêu cầu gửi nền tảng: `responded_at − requested_at`; theo nền tảng: trung vị "
    "thời gian phản hồi và tỷ lệ xử lý = số lần xử lý / (đã trả lời + không phản hồi), không tính yêu cầu đang chờ.",
    "backlog": "Số vụ việc còn mở cuối mỗi ngày (giờ Việt Nam): đã phát hiện và chưa đóng trước nửa đêm kết thúc "
    "ngày, theo nhóm tuổi của vụ việc.",
    "public_response_coverage": "Trong các vụ tin sai về sức khỏe hoặc thiên tai có lượt tiếp cận ≥ 10.000: tỷ lệ vụ "
    "có phản hồi chính thức cho `url_key` của vụ trong vòng 48 giờ sau khi phát hiện; và trung vị thời gian đến "
    "phản hồi.",
    "recurrence": "Một `url_key` đã bị nền tảng xử lý nhưng lại xuất hiện trong vụ việc được phát hiện sau lần xử lý "
    "đầu tiên.",
    "hotspot": "Một cặp (loại, ngày) có số vụ mới vượt trung bình của 28 ngày trước đó ít nhất 3 độ lệch chuẩn, "
    "với ít nhất 10 vụ.",
    "case_outcome": "Trạng thái cuối của vụ việc cho sơ đồ luồng: đã xử lý (nền tảng đã xử lý), đã đóng, bị từ chối "
    "hoặc đang mở; kèm số lượt chuyển giao.",
    "daily_case_counts": "Theo từng ngày (giờ Việt Nam): số vụ phát hiện, số vụ được xử lý lần đầu, trạng thái SLA "
    "và trùng lặp theo ngày phát hiện, và số vụ còn mở cuối ngày.",
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

TIER_LABELS: dict[str, dict[str, str]] = {
    "national": {"vi": "Trung ương", "en": "National"},
    "city": {"vi": "Thành phố", "en": "City"},
    "district": {"vi": "Quận/huyện", "en": "District"},
    "ward": {"vi": "Phường/xã", "en": "Ward"},
}

PLATFORM_LABELS: dict[str, dict[str, str]] = {
    "facebook": {"vi": "Facebook", "en": "Facebook"},
    "youtube": {"vi": "YouTube", "en": "YouTube"},
    "tiktok": {"vi": "TikTok", "en": "TikTok"},
    "zalo": {"vi": "Zalo", "en": "Zalo"},
    "telegram": {"vi": "Telegram", "en": "Telegram"},
    "x": {"vi": "X", "en": "X"},
    "website": {"vi": "Trang web", "en": "Website"},
    "other": {"vi": "Khác", "en": "Other"},
}

OUTCOME_LABELS: dict[str, dict[str, str]] = {
    "actioned": {"vi": "Đã xử lý", "en": "Actioned"},
    "closed": {"vi": "Đã đóng", "en": "Closed"},
    "rejected": {"vi": "Bị từ chối", "en": "Rejected"},
    "open": {"vi": "Đang mở", "en": "Open"},
}

# Prefect state types (the StateType values); Prefect's own state names (e.g. "Late", "Retrying") stay as they are.
STATE_LABELS: dict[str, dict[str, str]] = {
    "COMPLETED": {"vi": "Hoàn tất", "en": "Completed"},
    "FAILED": {"vi": "Thất bại", "en": "Failed"},
    "CRASHED": {"vi": "Sập", "en": "Crashed"},
    "RUNNING": {"vi": "Đang chạy", "en": "Running"},
    "PENDING": {"vi": "Đang chờ", "en": "Pending"},
    "SCHEDULED": {"vi": "Đã lên lịch", "en": "Scheduled"},
    "CANCELLING": {"vi": "Đang huỷ", "en": "Cancelling"},
    "CANCELLED": {"vi": "Đã huỷ", "en": "Cancelled"},
    "PAUSED": {"vi": "Tạm dừng", "en": "Paused"},
}

AGE_BUCKET_LABELS: dict[str, dict[str, str]] = {
    "0-1d": {"vi": "Dưới 1 ngày", "en": "Under 1 day"},
    "1-3d": {"vi": "1–3 ngày", "en": "1–3 days"},
    "3-7d": {"vi": "3–7 ngày", "en": "3–7 days"},
    "7-30d": {"vi": "7–30 ngày", "en": "7–30 days"},
    "30d+": {"vi": "Trên 30 ngày", "en": "Over 30 days"},
}

# Streamlit's date_input display format per language, and the same for d3 (Vega tooltips).
DATE_INPUT_FORMAT: dict[str, str] = {"vi": "DD/MM/YYYY", "en": "YYYY-MM-DD"}
DATE_FORMAT_D3: dict[str, str] = {"vi": "%d/%m/%Y", "en": "%Y-%m-%d"}


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


def _code_label(labels: dict[str, dict[str, str]], code: str | None, lang: str) -> str:
    if code is None:
        return MISSING
    return _nfc(labels.get(code, {}).get(normalise_lang(lang), code))


def tier_label(tier: str | None, lang: str) -> str:
    """The display name of an agency tier; an unknown code is shown as is."""
    return _code_label(TIER_LABELS, tier, lang)


def platform_label(platform: str | None, lang: str) -> str:
    """The display name of a platform; an unknown code is shown as is."""
    return _code_label(PLATFORM_LABELS, platform, lang)


def outcome_label(outcome: str | None, lang: str) -> str:
    """The display name of a case-flow end state (marts.case_facts.outcome)."""
    return _code_label(OUTCOME_LABELS, outcome, lang)


def state_label(state_type: str | None, lang: str) -> str:
    """A Prefect state type (``FAILED``…) in ``lang``."""
    return _code_label(STATE_LABELS, state_type, lang)


def age_bucket_label(bucket: str | None, lang: str) -> str:
    """The display name of a backlog age bucket (marts.backlog_daily.age_bucket)."""
    return _code_label(AGE_BUCKET_LABELS, bucket, lang)


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


def fmt_signed(value: float | None, lang: str, decimals: int = 0, unit: str = "") -> str:
    """A change with its sign: ``+2``, ``-4,0``, ``+41,7 điểm %``; a change that rounds to zero is ``0``."""
    if _is_missing(value):
        return MISSING
    text = fmt_int(value, lang) if decimals == 0 else fmt_number(value, lang, decimals)
    if text.lstrip("-").strip("0,.") == "":
        text = "0"
    elif not text.startswith("-"):
        text = "+" + text
    return f"{text} {unit}" if unit else text


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
