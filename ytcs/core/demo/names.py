"""Vietnamese words the demo data is made of: places, people, facilities (NFC, with diacritics).

Data only, plus a few pickers that take the caller's seeded `random.Random` so the data set stays reproducible.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class ProvinceName:
    """A province-level unit (tỉnh / thành phố trực thuộc trung ương) and roughly how many communes it has."""

    name: str
    is_city: bool
    communes: int
    zone: str  # "N", "C" or "S": decides what a hamlet is called (thôn, bản, ấp)

    @property
    def label(self) -> str:
        """'tỉnh Nghệ An', 'thành phố Hà Nội', 'Thành phố Hồ Chí Minh' (the official capitalisation)."""
        if self.name == "Hồ Chí Minh":
            return "Thành phố Hồ Chí Minh"
        return f"{'thành phố' if self.is_city else 'tỉnh'} {self.name}"


# The 34 province-level units after the 1 July 2025 merger (Resolution 202/2025/QH15), in the official order,
# with approximate numbers of communes, wards and special zones (about 3,320 in all).
PROVINCES_2025: tuple[ProvinceName, ...] = (
    ProvinceName("Hà Nội", True, 126, "N"),
    ProvinceName("Huế", True, 40, "C"),
    ProvinceName("Lai Châu", False, 38, "N"),
    ProvinceName("Điện Biên", False, 45, "N"),
    ProvinceName("Sơn La", False, 75, "N"),
    ProvinceName("Lạng Sơn", False, 65, "N"),
    ProvinceName("Quảng Ninh", False, 54, "N"),
    ProvinceName("Thanh Hóa", False, 166, "C"),
    ProvinceName("Nghệ An", False, 130, "C"),
    ProvinceName("Hà Tĩnh", False, 69, "C"),
    ProvinceName("Cao Bằng", False, 56, "N"),
    ProvinceName("Tuyên Quang", False, 124, "N"),
    ProvinceName("Lào Cai", False, 99, "N"),
    ProvinceName("Thái Nguyên", False, 92, "N"),
    ProvinceName("Phú Thọ", False, 148, "N"),
    ProvinceName("Bắc Ninh", False, 99, "N"),
    ProvinceName("Hưng Yên", False, 104, "N"),
    ProvinceName("Hải Phòng", True, 114, "N"),
    ProvinceName("Ninh Bình", False, 129, "N"),
    ProvinceName("Quảng Trị", False, 78, "C"),
    ProvinceName("Đà Nẵng", True, 94, "C"),
    ProvinceName("Quảng Ngãi", False, 96, "C"),
    ProvinceName("Gia Lai", False, 135, "C"),
    ProvinceName("Khánh Hòa", False, 65, "C"),
    ProvinceName("Lâm Đồng", False, 124, "C"),
    ProvinceName("Đắk Lắk", False, 102, "C"),
    ProvinceName("Hồ Chí Minh", True, 168, "S"),
    ProvinceName("Đồng Nai", False, 95, "S"),
    ProvinceName("Tây Ninh", False, 96, "S"),
    ProvinceName("Cần Thơ", True, 103, "S"),
    ProvinceName("Vĩnh Long", False, 124, "S"),
    ProvinceName("Đồng Tháp", False, 102, "S"),
    ProvinceName("Cà Mau", False, 64, "S"),
    ProvinceName("An Giang", False, 102, "S"),
)

# The province of the single-province demo: invented, so nobody mistakes demo figures for real ones.
DEMO_PROVINCE = ProvinceName("Sơn Hà", False, 150, "N")

# Place names are two Sino-Vietnamese syllables, as most commune names are ("Tân Lập", "Đồng Tâm", "Nghĩa Đô").
PLACE_FIRST = (
    "An", "Bắc", "Bình", "Cẩm", "Cát", "Đại", "Định", "Đông", "Đồng", "Đức", "Gia", "Hải", "Hiệp", "Hòa", "Hồng",
    "Hợp", "Hưng", "Khánh", "Kim", "Lạc", "Liên", "Lộc", "Long", "Minh", "Mỹ", "Nam", "Nghĩa", "Ngọc", "Phú",
    "Phúc", "Phước", "Quang", "Quảng", "Sơn", "Tân", "Tây", "Thạch", "Thái", "Thanh", "Thạnh", "Thành", "Thuận",
    "Thượng", "Tiên", "Trung", "Trường", "Vạn", "Vĩnh", "Xuân", "Yên",
)  # fmt: skip
PLACE_SECOND = (
    "An", "Bình", "Chánh", "Cường", "Điền", "Đô", "Đông", "Đức", "Giang", "Hà", "Hải", "Hiệp", "Hòa", "Hội", "Hưng",
    "Khánh", "Kỳ", "Lâm", "Lập", "Lộc", "Lợi", "Long", "Lương", "Minh", "Mỹ", "Nghĩa", "Ninh", "Phát", "Phong",
    "Phú", "Phúc", "Phước", "Quang", "Sơn", "Tâm", "Tân", "Thắng", "Thành", "Thịnh", "Thọ", "Thuận", "Thủy", "Tiến",
    "Trung", "Trường", "Tường", "Vinh", "Xuân", "Yên",
)  # fmt: skip
PLACE_NAMES: tuple[str, ...] = tuple(f"{a} {b}" for a in PLACE_FIRST for b in PLACE_SECOND if a != b)

# Hamlets (thôn, bản, ấp) where satellite points (điểm trạm) sit.
HAMLET_WORD = {"N": ("thôn", "bản"), "C": ("thôn",), "S": ("ấp",)}
HAMLET_NAMES = (
    "Ao Sen", "Bãi Bồi", "Bến Đá", "Bến Đò", "Bờ Sông", "Cầu Tre", "Cây Đa", "Đồi Chè", "Đồng Bãi", "Đồng Chùa",
    "Đồng Cỏ", "Gò Đình", "Gò Mít", "Khe Nước", "Làng Dưới", "Làng Trên", "Ngã Ba", "Núi Đỏ", "Rừng Thông",
    "Suối Cát", "Xóm Mới", "Trung Tâm", "Đông Phong", "Tân Tiến", "Hợp Nhất", "Thống Nhất", "Quyết Thắng",
    "Đoàn Kết", "Bình Minh", "Hòa Bình",
)  # fmt: skip
STREETS = (
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt", "Phan Đình Phùng",
    "Hùng Vương", "Nguyễn Du", "Lê Duẩn", "Trần Phú", "Võ Thị Sáu", "Điện Biên Phủ", "Nguyễn Văn Cừ",
    "Lê Thánh Tông", "Ngô Quyền", "Phạm Văn Đồng", "Nguyễn Thị Minh Khai", "Tôn Đức Thắng", "Lạc Long Quân",
)  # fmt: skip

HOSPITAL_NAMES = (
    "Bệnh viện Y học cổ truyền",
    "Bệnh viện Sản - Nhi",
    "Bệnh viện Phổi",
    "Bệnh viện Tâm thần",
    "Bệnh viện Mắt",
    "Bệnh viện Phục hồi chức năng",
)
GENERAL_HOSPITAL = "Bệnh viện Đa khoa"
CDC = "Trung tâm Kiểm soát bệnh tật"
PROVINCIAL_UNIT_NAMES = (
    "Trung tâm Giám định y khoa",
    "Trung tâm Pháp y",
    "Trung tâm Kiểm nghiệm Thuốc - Mỹ phẩm - Thực phẩm",
    "Chi cục Dân số",
    "Trường Cao đẳng Y tế",
)
PRIVATE_KINDS = (
    "Phòng khám đa khoa",
    "Phòng khám chuyên khoa Nhi",
    "Phòng khám chuyên khoa Răng Hàm Mặt",
    "Phòng khám chuyên khoa Sản phụ khoa",
    "Phòng khám chuyên khoa Mắt",
    "Phòng chẩn trị y học cổ truyền",
    "Phòng khám chuyên khoa Tai Mũi Họng",
)
PRIVATE_BRANDS = (
    "An Khang", "Ân Đức", "Bình An", "Hạnh Phúc", "Hồng Phúc", "Kim Ngân", "Minh Đức", "Nhân Ái", "Phúc An",
    "Tâm An", "Tâm Đức", "Thái Hòa", "Thiện Nhân", "Trường Sinh", "Việt Tâm", "Thành Công",
)  # fmt: skip

# Family names with rough shares of the population (họ Nguyễn alone is about 38%).
FAMILY_NAMES: tuple[tuple[str, int], ...] = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4), ("Vũ", 4), ("Võ", 3),
    ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 1), ("Ngô", 1), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Đào", 1),
    ("Trịnh", 1), ("Mai", 1), ("Lương", 1), ("Huỳnh", 2), ("Cao", 1), ("Tạ", 1), ("Hà", 1),
)  # fmt: skip
MIDDLE_NAMES = {
    "male": ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thành", "Xuân", "Ngọc", "Quốc", "Trọng", "Đình", "Mạnh"),
    "female": ("Thị", "Thu", "Ngọc", "Thanh", "Thùy", "Hồng", "Kim", "Phương", "Minh", "Mai", "Bích", "Khánh"),
}
GIVEN_NAMES = {
    "male": (
        "Anh", "Bảo", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh", "Khoa",
        "Long", "Lâm", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Thịnh",
        "Tiến", "Toàn", "Trung", "Tùng", "Tuấn", "Việt", "Vinh",
    ),
    "female": (
        "An", "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hiền", "Hương", "Huyền", "Lan", "Liên",
        "Linh", "Loan", "Mai", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thủy", "Trang", "Tuyết",
        "Uyên", "Vân", "Yến",
    ),
}  # fmt: skip

# Precomputed for `person_name`, which the workforce calls half a million times (same draws as weights=...).
_FAMILIES = tuple(name for name, _ in FAMILY_NAMES)
_FAMILY_CUM_WEIGHTS = tuple(itertools.accumulate(weight for _, weight in FAMILY_NAMES))


def person_name(rng: random.Random, *, gender: str | None = None) -> str:
    """A full name in Vietnamese order: family, middle, given ('Nguyễn Thị Thu Hà' has two middle names)."""
    gender = gender or rng.choice(("male", "female"))
    family = rng.choices(_FAMILIES, cum_weights=_FAMILY_CUM_WEIGHTS)[0]
    middle = rng.choice(MIDDLE_NAMES[gender])
    given = rng.choice(GIVEN_NAMES[gender])
    while given == middle:  # "Vũ Mai Mai"
        given = rng.choice(GIVEN_NAMES[gender])
    return f"{family} {middle} {given}"


def hamlet_names(rng: random.Random, *, zone: str, count: int) -> list[str]:
    """Distinct hamlets of one commune: 'thôn Cây Đa', 'bản Suối Cát', 'ấp Bến Đò'."""
    return [f"{rng.choice(HAMLET_WORD[zone])} {name}" for name in rng.sample(HAMLET_NAMES, count)]


def street_address(rng: random.Random) -> str:
    """'Số 12 đường Lê Lợi'."""
    return f"Số {rng.randint(1, 350)} đường {rng.choice(STREETS)}"


# --- the workforce (nhân lực y tế) ---

# Birth-registration prefix of a citizen ID (the first 3 digits of a CCCD), after Circular 07/2016/TT-BCA's codes
# for the provinces that kept their names; the invented demo province gets an unused one.
CCCD_PROVINCE_CODES = {
    "Hà Nội": "001", "Huế": "046", "Lai Châu": "012", "Điện Biên": "011", "Sơn La": "014", "Lạng Sơn": "020",
    "Quảng Ninh": "022", "Thanh Hóa": "038", "Nghệ An": "040", "Hà Tĩnh": "042", "Cao Bằng": "004",
    "Tuyên Quang": "008", "Lào Cai": "010", "Thái Nguyên": "019", "Phú Thọ": "025", "Bắc Ninh": "027",
    "Hưng Yên": "033", "Hải Phòng": "031", "Ninh Bình": "037", "Quảng Trị": "045", "Đà Nẵng": "048",
    "Quảng Ngãi": "051", "Gia Lai": "064", "Khánh Hòa": "056", "Lâm Đồng": "068", "Đắk Lắk": "066",
    "Hồ Chí Minh": "079", "Đồng Nai": "075", "Tây Ninh": "072", "Cần Thơ": "092", "Vĩnh Long": "086",
    "Đồng Tháp": "087", "Cà Mau": "096", "An Giang": "089", "Sơn Hà": "097",
}  # fmt: skip
MOBILE_PREFIXES = (
    "086", "096", "097", "098", "032", "033", "035", "038", "091", "094", "088", "083", "090", "093", "070", "077",
    "079", "089", "056", "058", "059",
)  # fmt: skip

DOCTOR_SPECIALTIES = (
    "Nội khoa", "Ngoại khoa", "Nhi khoa", "Sản phụ khoa", "Y học gia đình", "Gây mê hồi sức", "Chẩn đoán hình ảnh",
    "Hồi sức cấp cứu", "Truyền nhiễm", "Tai Mũi Họng", "Răng Hàm Mặt", "Mắt", "Da liễu", "Lao và bệnh phổi",
    "Tâm thần", "Ung bướu", "Tim mạch", "Phục hồi chức năng",
)  # fmt: skip
PREVENTIVE_SPECIALTIES = ("Y tế công cộng", "Dịch tễ học", "Y học dự phòng", "Quản lý y tế")
TRADITIONAL_SPECIALTY = "Y học cổ truyền"

# Scope of practice written on a licence (phạm vi hành nghề), by professional title.
LICENCE_SCOPES = {
    "bac-si": "Khám bệnh, chữa bệnh đa khoa",
    "bac-si-yhdp": "Y học dự phòng",
    "bac-si-yhct": "Khám bệnh, chữa bệnh bằng y học cổ truyền",
    "y-si": "Khám bệnh, chữa bệnh đa khoa theo phạm vi của y sĩ",
    "y-si-san-nhi": "Khám bệnh, chữa bệnh sản nhi theo phạm vi của y sĩ",
    "dieu-duong": "Thực hiện phạm vi hoạt động chuyên môn của điều dưỡng",
    "ho-sinh": "Thực hiện phạm vi hoạt động chuyên môn của hộ sinh",
    "ky-thuat-y": "Kỹ thuật xét nghiệm y học",
    "dinh-duong": "Dinh dưỡng lâm sàng",
    "luong-y": "Khám bệnh, chữa bệnh bằng y học cổ truyền (lương y)",
}

# National training institutions that run courses for every province.
NATIONAL_TRAINERS = (
    "Trường Đại học Y Hà Nội",
    "Trường Đại học Y Dược Thành phố Hồ Chí Minh",
    "Trường Đại học Y Dược, Đại học Huế",
    "Trường Đại học Y tế công cộng",
    "Bệnh viện Bạch Mai",
    "Bệnh viện Chợ Rẫy",
    "Bệnh viện Trung ương Huế",
)

# Continuing-training activities (hoạt động cập nhật kiến thức y khoa liên tục).
CME_TOPICS = (
    "Cập nhật chẩn đoán và điều trị tăng huyết áp",
    "Quản lý bệnh đái tháo đường tại tuyến y tế cơ sở",
    "Cấp cứu ban đầu và sơ cứu chấn thương",
    "Kiểm soát nhiễm khuẩn trong cơ sở khám bệnh, chữa bệnh",
    "An toàn người bệnh",
    "Chăm sóc sức khỏe bà mẹ và trẻ sơ sinh",
    "Tiêm chủng an toàn",
    "Sử dụng kháng sinh hợp lý",
    "Quản lý bệnh phổi tắc nghẽn mạn tính và hen phế quản",
    "Y học gia đình tại trạm y tế xã",
    "Dinh dưỡng trẻ em và phòng chống suy dinh dưỡng",
    "Phòng chống bệnh truyền nhiễm (sốt xuất huyết, tay chân miệng)",
    "Chăm sóc sức khỏe người cao tuổi",
    "Hồ sơ sức khỏe điện tử và bệnh án điện tử",
    "Kỹ năng giao tiếp và y đức",
    "Chăm sóc giảm nhẹ",
    "Phát hiện sớm và quản lý rối loạn tâm thần",
    "Cập nhật phác đồ điều trị lao",
)
CME_EVENTS = ("Hội nghị khoa học thường niên", "Hội thảo chuyên đề", "Sinh hoạt khoa học")
