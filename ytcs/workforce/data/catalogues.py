"""Initial catalogues of professional titles and competencies, with where each comes from.

Loaded by migration 0002; afterwards the catalogues are managed data (province administrators edit them).
"""

LAW_15 = "Luật Khám bệnh, chữa bệnh 15/2023/QH15, Điều 26 (chức danh chuyên môn)"
UNCONFIRMED = "CHƯA XÁC NHẬN"

# code, name, category, counts_as_doctor, needs_licence, source, sort order
TITLES = [
    ("bac-si", "Bác sĩ", "doctor", True, True, LAW_15, 10),
    (
        "bac-si-yhdp",
        "Bác sĩ y học dự phòng",
        "doctor",
        True,
        True,
        f"{LAW_15}; tính vào 'bác sĩ/10.000 dân': {UNCONFIRMED}",
        11,
    ),
    ("bac-si-yhct", "Bác sĩ y học cổ truyền", "doctor", True, True, LAW_15, 12),
    ("y-si", "Y sĩ", "physician_assistant", False, True, LAW_15, 20),
    ("y-si-san-nhi", "Y sĩ sản nhi", "physician_assistant", False, True, LAW_15, 21),
    ("dieu-duong", "Điều dưỡng", "nurse", False, True, LAW_15, 30),
    ("ho-sinh", "Hộ sinh", "midwife", False, True, LAW_15, 40),
    ("ky-thuat-y", "Kỹ thuật y", "technician", False, True, LAW_15, 50),
    ("dinh-duong", "Dinh dưỡng lâm sàng", "other", False, True, LAW_15, 55),
    ("luong-y", "Lương y", "other", False, True, LAW_15, 56),
    (
        "duoc-si",
        "Dược sĩ",
        "pharmacist",
        False,
        False,
        "Luật Dược 105/2016/QH13 (chứng chỉ hành nghề dược, ngoài giấy phép khám bệnh, chữa bệnh)",
        60,
    ),
    ("duoc-ta", "Dược tá", "pharmacy_assistant", False, False, "Luật Dược 105/2016/QH13", 61),
    (
        "y-te-thon-ban",
        "Nhân viên y tế thôn bản",
        "village_health_worker",
        False,
        False,
        "Không thuộc chức danh hành nghề (Luật 15/2023/QH15, Điều 26)",
        70,
    ),
    ("khac", "Khác", "other", False, False, "", 99),
]

# code, name, validity in years (None: no expiry known), source
COMPETENCIES = [
    ("sieu-am-tong-quat", "Siêu âm tổng quát", None, f"Thời hạn: {UNCONFIRMED}"),
    ("dien-tam-do", "Điện tâm đồ", None, f"Thời hạn: {UNCONFIRMED}"),
    ("x-quang", "Chẩn đoán hình ảnh X-quang", None, f"Thời hạn: {UNCONFIRMED}"),
    ("xet-nghiem-co-ban", "Xét nghiệm cơ bản", None, f"Thời hạn: {UNCONFIRMED}"),
    ("cap-cuu-co-ban", "Cấp cứu cơ bản", None, f"Thời hạn: {UNCONFIRMED}"),
    ("an-toan-tiem-chung", "An toàn tiêm chủng", None, f"Thời hạn: {UNCONFIRMED}"),
    ("y-hoc-gia-dinh", "Y học gia đình", None, f"Thời hạn: {UNCONFIRMED}"),
    (
        "quan-ly-benh-khong-lay",
        "Quản lý bệnh không lây nhiễm (tăng huyết áp, đái tháo đường)",
        None,
        f"Thời hạn: {UNCONFIRMED}",
    ),
]
