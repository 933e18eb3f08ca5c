"""The demo world's fixed facts: the agency network, the code lists, and how each agency and platform behaves.

Everything here is fictional demo data. Delays are medians in hours of lognormal distributions; the
generator draws around them, so every agency and platform has its own, recognisable pace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from concord.codes import ENFORCEMENT_ACTIONS
from flows import sources

LOCAL_OFFSET_S = 7 * 3600  # Asia/Ho_Chi_Minh is UTC+07:00 all year (no daylight-saving time since 1975).
HOUR = 3600
DAY = 86400

ENFORCEMENT = ENFORCEMENT_ACTIONS  # the order matters: enforcement codes come first in ACTIONS

# The agencies write the columns the loader reads (flows/sources.py is the one list).
CASE_COLUMNS = sources.CASE_COLUMNS
CASE_HEADERS_VI = (
    "Mã vụ việc",
    "Đơn vị",
    "Thời điểm phát hiện",
    "Đường dẫn",
    "Nền tảng",
    "Loại",
    "Mức độ",
    "Lượt tiếp cận",
    "Trạng thái",
    "Thời điểm phân loại",
    "Thời điểm kết thúc",
    "Tài khoản",
    "Ghi chú",
)
REFERRAL_COLUMNS = sources.REFERRAL_COLUMNS
ACTION_COLUMNS = sources.ACTION_COLUMNS


@dataclass(frozen=True)
class Agency:
    """One member organisation and how it works (volumes and lognormal medians in hours)."""

    code: str
    name: str
    name_en: str
    tier: str
    role: str
    parent: str | None
    volume: float  # relative share of the cases it opens
    triage_h: float  # median time from detection to triage
    close_h: float  # median time from its last activity on a case to closing it
    ack_h: float  # median time to acknowledge a referral it receives
    unack: float  # share of referrals it receives and never acknowledges
    refer: float  # share of its (non-rejected) cases it hands off
    focus: tuple[str, ...] = ()  # categories it sees far more of than average
    id_style: int = 0  # how its case numbers look (see simulate.case_ids)


# fmt: off
AGENCIES: tuple[Agency, ...] = (
    Agency("NCSC", "Trung tâm Giám sát an toàn không gian mạng quốc gia", "National Cyber Security Monitoring Centre",
           "national", "detection", None, 8.0, 1.0, 48, 3, 0.03, 0.30, ("phishing", "malware"), 1),
    Agency("VNCERT", "Trung tâm Ứng cứu khẩn cấp không gian mạng Việt Nam", "Vietnam Cyber Emergency Response Centre",
           "national", "coordination", None, 5.0, 2.0, 60, 2, 0.03, 0.25, ("malware", "phishing"), 0),
    Agency("VAFC", "Trung tâm Xử lý tin giả, thông tin xấu độc Việt Nam", "Vietnam Anti-Fake News Centre",
           "national", "verification", None, 3.0, 3.0, 72, 4, 0.04, 0.20, ("health_misinfo", "disaster_misinfo"), 1),
    Agency("UBND-TP", "Ủy ban nhân dân Thành phố", "City People's Committee",
           "city", "coordination", None, 0.5, 20.0, 120, 30, 0.10, 0.55, ("other",), 2),
    Agency("STTTT", "Sở Thông tin và Truyền thông", "Department of Information and Communications",
           "city", "coordination", "UBND-TP", 5.0, 4.0, 72, 5, 0.04, 0.35, ("impersonation",), 0),
    Agency("TT-GSATTT", "Trung tâm Giám sát an toàn thông tin Thành phố", "City Information Security Monitoring Centre",
           "city", "detection", "STTTT", 12.0, 0.6, 36, 3, 0.03, 0.28, ("phishing", "malware", "scam_fraud"), 1),
    Agency("TT-KCTT", "Trung tâm Kiểm chứng thông tin Thành phố", "City Fact-Checking Centre",
           "city", "verification", "STTTT", 5.0, 2.5, 48, 3, 0.03, 0.18, ("health_misinfo", "disaster_misinfo"), 3),
    Agency("TTBC", "Trung tâm Báo chí Thành phố", "City Press Centre",
           "city", "press", "STTTT", 1.0, 6.0, 48, 8, 0.05, 0.15, ("health_misinfo", "disaster_misinfo"), 2),
    Agency("CA-TP", "Công an Thành phố", "City Police",
           "city", "enforcement", None, 2.0, 8.0, 120, 10, 0.06, 0.20, ("scam_fraud", "impersonation"), 3),
    Agency("CA-ANM", "Công an Thành phố – Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao",
           "City Police – Cybersecurity and High-Tech Crime Division",
           "city", "enforcement", "CA-TP", 10.0, 3.0, 96, 6, 0.04, 0.12, ("scam_fraud", "phishing", "harassment"), 3),
    Agency("SYT", "Sở Y tế", "Department of Health",
           "city", "sector", "UBND-TP", 2.0, 10.0, 96, 12, 0.07, 0.30, ("health_misinfo",), 2),
    Agency("TTKSBT", "Trung tâm Kiểm soát Bệnh tật Thành phố", "City Centre for Disease Control",
           "city", "sector", "SYT", 1.5, 6.0, 72, 10, 0.06, 0.35, ("health_misinfo",), 0),
    Agency("BCH-PCTT", "Ban Chỉ huy Phòng chống thiên tai và Tìm kiếm cứu nạn Thành phố",
           "City Command for Disaster Prevention, Search and Rescue",
           "city", "sector", "UBND-TP", 0.8, 5.0, 72, 6, 0.08, 0.40, ("disaster_misinfo",), 2),
    Agency("NHNN-CN", "Ngân hàng Nhà nước – Chi nhánh Khu vực 2", "State Bank of Vietnam – Regional Branch 2",
           "city", "sector", None, 3.0, 12.0, 96, 14, 0.06, 0.30, ("scam_fraud", "phishing", "impersonation"), 0),
    Agency("SCT", "Sở Công Thương", "Department of Industry and Trade",
           "city", "sector", "UBND-TP", 2.0, 16.0, 120, 20, 0.08, 0.30, ("scam_fraud",), 2),
    Agency("SVT-TP", "Viễn thông Sao Việt – Chi nhánh Thành phố", "Sao Viet Telecom – City Branch",
           "city", "telecom", None, 5.0, 1.5, 24, 2, 0.02, 0.15, ("scam_fraud", "phishing", "malware"), 1),
    Agency("LHM-TP", "Mạng di động Lạc Hồng – Chi nhánh Thành phố", "Lac Hong Mobile – City Branch",
           "city", "telecom", None, 4.0, 2.5, 30, 3, 0.03, 0.15, ("scam_fraud", "phishing"), 1),
    Agency("Q1-UBND", "Ủy ban nhân dân Quận 1", "District 1 People's Committee",
           "district", "coordination", "UBND-TP", 2.0, 18.0, 120, 20, 0.08, 0.35, ("harassment", "scam_fraud"), 0),
    Agency("Q3-UBND", "Ủy ban nhân dân Quận 3", "District 3 People's Committee",
           "district", "coordination", "UBND-TP", 1.5, 24.0, 144, 26, 0.10, 0.35, ("harassment", "impersonation"), 0),
    Agency("Q7-UBND", "Ủy ban nhân dân Quận 7", "District 7 People's Committee",
           "district", "coordination", "UBND-TP", 1.5, 14.0, 96, 16, 0.07, 0.30, ("scam_fraud", "harassment"), 0),
    Agency("QBT-UBND", "Ủy ban nhân dân Quận Bình Thạnh", "Binh Thanh District People's Committee",
           "district", "coordination", "UBND-TP", 1.5, 30.0, 168, 30, 0.12, 0.40, ("harassment", "other"), 0),
    Agency("CA-Q1", "Công an Quận 1", "District 1 Police",
           "district", "enforcement", "CA-TP", 2.0, 10.0, 120, 12, 0.06, 0.20, ("scam_fraud", "harassment"), 3),
    Agency("P-BN-Q1", "Ủy ban nhân dân Phường Bến Nghé", "Ben Nghe Ward People's Committee",
           "ward", "detection", "Q1-UBND", 0.8, 36.0, 168, 40, 0.15, 0.55, ("harassment", "scam_fraud"), 2),
    Agency("P-VTS-Q3", "Ủy ban nhân dân Phường Võ Thị Sáu", "Vo Thi Sau Ward People's Committee",
           "ward", "detection", "Q3-UBND", 0.8, 30.0, 168, 36, 0.12, 0.55, ("harassment", "other"), 2),
    Agency("P-TP-Q7", "Ủy ban nhân dân Phường Tân Phong", "Tan Phong Ward People's Committee",
           "ward", "detection", "Q7-UBND", 0.8, 40.0, 192, 48, 0.18, 0.55, ("harassment", "scam_fraud"), 2),
)
# fmt: on

AGENCY_CODES = tuple(a.code for a in AGENCIES)

# Who a case of each category is handed to (relative weights by agency code); a ward or district also
# hands much of its work up to its parent (see world._routes).
ROUTES: dict[str, dict[str, float]] = {
    "scam_fraud": {"CA-ANM": 6, "CA-TP": 1, "NHNN-CN": 2, "SVT-TP": 1.5, "LHM-TP": 1.5, "STTTT": 1, "SCT": 1},
    "phishing": {"TT-GSATTT": 3, "VNCERT": 3, "NCSC": 1, "CA-ANM": 3, "NHNN-CN": 1.5, "SVT-TP": 1, "LHM-TP": 1},
    "malware": {"VNCERT": 4, "NCSC": 3, "TT-GSATTT": 2, "CA-ANM": 1.5, "SVT-TP": 1},
    "impersonation": {"CA-ANM": 4, "STTTT": 3, "TT-KCTT": 1, "CA-TP": 1},
    "harassment": {"CA-ANM": 3, "CA-Q1": 2, "Q1-UBND": 1, "STTTT": 1},
    "health_misinfo": {"SYT": 4, "TTKSBT": 2, "TT-KCTT": 3, "VAFC": 2, "TTBC": 2, "STTTT": 1},
    "disaster_misinfo": {"BCH-PCTT": 4, "TT-KCTT": 3, "VAFC": 2, "TTBC": 2, "STTTT": 1},
    "other": {"STTTT": 4, "TT-KCTT": 1, "CA-ANM": 1},
}

# Share of all cases by category before seasonality and bursts.
CATEGORY_MIX = np.array([0.30, 0.17, 0.06, 0.12, 0.10, 0.09, 0.05, 0.11])

# P(severity 1..4 | category).
SEVERITY_MIX = np.array(
    [
        [0.15, 0.40, 0.35, 0.10],  # scam_fraud
        [0.10, 0.35, 0.40, 0.15],  # phishing
        [0.05, 0.30, 0.45, 0.20],  # malware
        [0.20, 0.45, 0.28, 0.07],  # impersonation
        [0.35, 0.45, 0.17, 0.03],  # harassment
        [0.15, 0.40, 0.33, 0.12],  # health_misinfo
        [0.10, 0.30, 0.40, 0.20],  # disaster_misinfo
        [0.45, 0.40, 0.13, 0.02],  # other
    ]
)

# P(platform | category), platforms in PLATFORMS order.
PLATFORM_MIX = np.array(
    [
        [0.34, 0.03, 0.10, 0.18, 0.08, 0.02, 0.22, 0.03],  # scam_fraud
        [0.10, 0.01, 0.02, 0.07, 0.05, 0.02, 0.71, 0.02],  # phishing
        [0.04, 0.02, 0.01, 0.05, 0.18, 0.02, 0.65, 0.03],  # malware
        [0.45, 0.06, 0.20, 0.16, 0.03, 0.05, 0.02, 0.03],  # impersonation
        [0.50, 0.08, 0.27, 0.06, 0.02, 0.05, 0.00, 0.02],  # harassment
        [0.40, 0.20, 0.25, 0.09, 0.02, 0.02, 0.01, 0.01],  # health_misinfo
        [0.42, 0.12, 0.28, 0.13, 0.01, 0.02, 0.01, 0.01],  # disaster_misinfo
        [0.30, 0.08, 0.12, 0.05, 0.05, 0.05, 0.15, 0.20],  # other
    ]
)

# Share of cases judged not harmful and closed as `rejected`, by category.
REJECT_RATE = np.array([0.05, 0.04, 0.04, 0.07, 0.12, 0.08, 0.06, 0.25])
# Share of (non-rejected) cases for which a takedown is requested from the platform or hoster, by category.
REQUEST_RATE = np.array([0.55, 0.68, 0.62, 0.55, 0.35, 0.45, 0.45, 0.20])


@dataclass(frozen=True)
class Platform:
    """How a platform answers takedown requests and how far its items reach."""

    name: str
    response_h: float  # median hours from request to answer
    response_sigma: float
    no_response: float  # share of requests never answered
    enforce: float  # share of answered requests that end in an enforcement action
    reach_median: float
    reach_sigma: float
    reach_missing: float  # share of cases with no reach recorded


PLATFORM_BEHAVIOUR: tuple[Platform, ...] = (
    Platform("facebook", 18, 1.0, 0.06, 0.66, 1200, 2.0, 0.04),
    Platform("youtube", 30, 0.9, 0.05, 0.58, 2500, 2.1, 0.04),
    Platform("tiktok", 10, 0.9, 0.05, 0.72, 4000, 2.2, 0.04),
    Platform("zalo", 36, 1.1, 0.12, 0.55, 300, 1.5, 0.10),
    Platform("telegram", 96, 1.2, 0.45, 0.45, 800, 1.7, 0.10),
    Platform("x", 60, 1.1, 0.25, 0.45, 400, 1.8, 0.08),
    Platform("website", 72, 1.3, 0.30, 0.60, 150, 1.8, 0.60),
    Platform("other", 48, 1.2, 0.20, 0.50, 200, 1.8, 0.30),
)

# Share of days' volume by weekday (Monday first): fewer reports at weekends.
WEEKDAY_WEIGHT = np.array([1.05, 1.08, 1.06, 1.04, 1.0, 0.66, 0.55])
# Share of detections by local hour of day.
# fmt: off
HOUR_WEIGHT = np.array(
    [0.30, 0.20, 0.15, 0.10, 0.10, 0.20, 0.50, 1.00, 1.60, 1.90, 2.00, 1.90,
     1.50, 1.70, 1.90, 1.90, 1.70, 1.40, 1.10, 1.00, 1.00, 0.90, 0.70, 0.50]
)
# fmt: on


@dataclass(frozen=True)
class Burst:
    """A wave of one category: starts at a fraction of the year, lasts some days, multiplies the daily rate."""

    category: str
    start: float
    days: int
    factor: float


BURSTS = (
    Burst("disaster_misinfo", 0.16, 3, 6.0),  # a storm warning hoax
    Burst("disaster_misinfo", 0.37, 6, 12.0),  # a typhoon: rumours of dam breaks and flooding
    Burst("scam_fraud", 0.58, 21, 1.7),  # a wave of fake bank-SMS and refund scams
    Burst("phishing", 0.59, 14, 1.6),
    Burst("health_misinfo", 0.80, 9, 5.0),  # a disease scare with fake cures
)

# --- Vietnamese-looking vocabulary (fictional) -------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FAMILY = _words("nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly")
MIDDLE = (*_words("van thi minh ngoc thanh duc quoc thu hoang gia"), "")  # some names have no middle name
GIVEN = _words(
    "an binh chi dung giang hai hanh hung khanh lan linh long mai nam phuong quang son tam thao trang tuan vy yen "
    "huy kien nhung"
)
PAGE_WORDS = _words(
    "tintucnong camnangsuckhoe hoiyeubep vaytiennhanh khuyenmai tuyendung thongbao cuutro baomoi24h reviewdulich "
    "chotot muabanre tinnong suckhoevang meovat nhadatsaigon xoso giadinh hocbong vieclamonline"
)
SCAM_STEMS = _words(
    "xacthuc hoantien nhanqua vaytien khuyenmai tracuu dichvucong baohiem nganhang vietqr thuongtet trian quatang "
    "hotro capnhat dangky giaohang phatnguoi evisa bhxh"
)
SCAM_STEMS2 = _words("online vn 24h nhanh ngay tructuyen chinhthuc khachhang service app")
SCAM_TLDS = _words("vn com.vn com net online xyz top site info click shop cc")
IDN_STEMS = _words("ngân-hàng hoàn-tiền quà-tặng dịch-vụ-công tra-cứu bảo-hiểm khuyến-mãi nhận-thưởng")
WEB_PATHS = _words(
    "/ /dang-nhap /xac-thuc /nhan-qua /login.php /tra-cuu /hoan-tien-thue /cap-nhat-thong-tin /khach-hang/otp "
    "/app/tai-ung-dung.apk /verify /thanh-toan"
)
ALNUM = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"))
LOWER_ALNUM = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))

NOTES = {
    "scam_fraud": (
        "Người dân phản ánh bị lừa chuyển tiền qua tài khoản ngân hàng.",
        "Thủ đoạn giả danh nhân viên ngân hàng yêu cầu cung cấp mã OTP.",
        "Trang đăng tuyển cộng tác viên online, yêu cầu đặt cọc trước.",
        "Tin nhắn giả mạo thông báo trúng thưởng, đề nghị nộp phí nhận quà.",
    ),
    "phishing": (
        "Đường dẫn giả mạo trang đăng nhập ngân hàng điện tử.",
        "Tin nhắn SMS mạo danh cơ quan thuế kèm đường link lạ.",
        "Trang web giả mạo Cổng dịch vụ công, thu thập thông tin cá nhân.",
    ),
    "malware": (
        "Tệp cài đặt ứng dụng giả mạo (APK) chứa mã độc đánh cắp dữ liệu.",
        "Phát hiện qua hệ thống giám sát tự động: máy chủ phát tán mã độc.",
    ),
    "impersonation": (
        "Tài khoản mạo danh cơ quan nhà nước, sử dụng logo và tên gọi chính thức.",
        "Trang giả mạo lãnh đạo địa phương kêu gọi quyên góp.",
        "Tài khoản giả danh cán bộ công an gọi điện đe dọa.",
    ),
    "harassment": (
        "Người dân phản ánh bị bôi nhọ, xúc phạm danh dự trên mạng xã hội.",
        "Nội dung quấy rối, đe dọa học sinh, đề nghị gỡ bỏ.",
    ),
    "health_misinfo": (
        "Tin sai sự thật về vắc-xin lan truyền trong các nhóm Zalo.",
        "Quảng cáo thuốc chữa khỏi ung thư không có giấy phép.",
        "Thông tin sai lệch về dịch bệnh, gây hoang mang dư luận.",
    ),
    "disaster_misinfo": (
        "Tin đồn vỡ đập thủy điện, chưa được kiểm chứng.",
        "Thông tin sai về đường đi của bão, kêu gọi sơ tán không có căn cứ.",
        "Hình ảnh ngập lụt cũ được đăng lại như tin mới.",
    ),
    "other": (
        "Nội dung vi phạm khác, cần xác minh thêm.",
        "Phản ánh qua đường dây nóng, chuyển bộ phận chuyên môn xử lý.",
    ),
}
GENERIC_NOTES = (
    "Phát hiện qua hệ thống giám sát tự động.",
    "Người dân phản ánh qua đường dây nóng.",
    "Đã lưu bằng chứng, chờ xác minh.",
    "Tiếp nhận từ Cổng phản ánh trực tuyến.",
)
PII_TEMPLATES = (
    "Liên hệ người phản ánh: {email}.",
    "SĐT người báo tin: {phone}.",
    "Số điện thoại nạn nhân {phone_intl}.",
    "Số CCCD của nạn nhân: {id12}.",
    "Người báo tin cung cấp email {email} và số {phone}.",
)
EMAIL_DOMAINS = ("gmail.com", "yahoo.com.vn", "outlook.com", "mail.example.vn")

# What press and verification agencies publish, by the category of what they answer.
RESPONSE_TITLES = {
    "health_misinfo": (
        "Thông tin về {topic} là sai sự thật",
        "Đính chính: không có chuyện {topic}",
        "Cảnh báo thông tin sai lệch về {topic}",
    ),
    "disaster_misinfo": (
        "Bác bỏ tin đồn {topic}",
        "Thông tin {topic} là không chính xác",
        "Cơ quan chức năng lên tiếng về tin đồn {topic}",
    ),
    "scam_fraud": ("Cảnh báo thủ đoạn {topic}", "Người dân cần cảnh giác với thủ đoạn {topic}"),
    "phishing": ("Cảnh báo trang web giả mạo {topic}", "Không truy cập đường dẫn mạo danh {topic}"),
}
RESPONSE_TOPICS = {
    "health_misinfo": ("vắc-xin gây vô sinh", "nước lá chữa khỏi sốt xuất huyết", "thuốc chữa ung thư thần kỳ",
                       "dịch cúm lây qua nước máy", "bệnh viện ngừng tiếp nhận bệnh nhân"),
    "disaster_misinfo": ("vỡ đập thủy điện", "bão đổ bộ trong đêm nay", "ngập lụt toàn thành phố", "động đất mạnh",
                         "sạt lở khu dân cư"),
    "scam_fraud": ("giả danh ngân hàng", "mạo danh công an gọi điện", "tuyển cộng tác viên online",
                   "hoàn tiền thuế thu nhập cá nhân"),
    "phishing": ("Cổng dịch vụ công", "ngân hàng điện tử", "cơ quan thuế", "bảo hiểm xã hội"),
}  # fmt: skip
PUBLISHERS = {
    "TTBC": "ttbc.thanhpho.gov.vn",
    "TT-KCTT": "kiemchung.thanhpho.gov.vn",
    "VAFC": "xulytingia.gov.vn",
}
