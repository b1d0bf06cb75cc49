"""The demo's equipment, medicine stock and investment proposals (trang thiết bị, thuốc và đề xuất đầu tư mẫu).

Planned in pure Python like `plan` and the other plans: the unit plan, the current equipment catalogue and medicine
list as loaded (`CatalogueInfo`, `MedicineInfo`: managed data, read by the builder), the seed and the reference date
(`today`) give the same inventory, ledger and proposals, down to every serial number, batch and date. Draws come
from generators seeded with the plan's seed and a unit's (or a lot's) code, so one station's draws do not depend
on the others'. Every province gets the same treatment; the demo logins' one only adds who acted.

- Equipment: every open station and regional centre holds the types its kind's norms ask for (the shipped sample
  catalogue's, or whatever catalogue version is current), mostly in working order, some broken or under repair,
  a few retired items kept on the books, with maintenance and calibration dates at the type's interval (about one
  in seven overdue). About a third of the commune stations lack an ultrasound, a fifth an ECG, a few other things
  (wards less often): the gaps of the gap table. Stations closed in the 2025 commune merger handed their cold
  chain, computer and oxygen over to a station of their region the day after (`EquipmentMove`). The demo station
  lacks an ultrasound, its ECG is broken and its vaccine refrigerator is overdue for maintenance.
- Stock (open stations, the last 365 days): the opening balances carried over from the paper book (adjustments
  with that reason), a delivery from the regional centre's pharmacy on the 5th of each month topping the stock up
  to two and a half months of use (or twice the usual minimum), issues to patients twice a month (the 15th and
  the month's end, for the half-month, first expiry first out, never from an expired batch), expired stock
  destroyed on the 10th of each quarter's first month, count differences at quarter ends (adjustments with a
  reason) and one to three transfers between stations of each region. A province buys one lot of a medicine per
  quarter: its stations share the batch number and its expiry date (a medicine's batch number is never reused).
  A few medicines of a few stations end short (the last delivery partial: below the usual minimum) or out (the
  last two deliveries missing); low-use emergency medicines (adrenaline, oxytocin) keep batches until close to
  expiry. The demo station is out of amoxicillin, low on paracetamol and holds adrenaline expiring within 90 days.
- Proposals: in every province, proposals of stations (asking for their gaps) and of one regional centre, as far
  as the stations go in every state: drafts, under review at the regional centre (one resubmitted after a return)
  and at the province, returned with comments, rejected, approved, funded and delivered, each with the review
  steps that led there (`services` rules: the proposing unit submits, its centre reviews, then the province, which
  also funds and delivers). A delivery put its items into the unit's inventory as `services.proposal_deliver`
  does (`delivered_by`, working, in use from the delivery year). The demo station's proposal for an ultrasound and
  an ECG was returned by the regional manager this year; last year's for a computer and a glucometer was
  delivered; a station of the demo region waits for the regional manager, others for the province.

The builder (`insert_assets`) writes it all as plain rows, without audit entries (the trail starts with the first
real change): the running balances are the ones computed here, equal to the sum of each batch's entries and never
below zero at any entry, the entries of a batch in date order, as `stock._post` keeps them.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import gc
import math
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from ytcs.assets.models import Condition, FundingSource, ProposalStatus, ProposalStep, StockKind
from ytcs.assets.selectors import EXPIRY_WINDOW_DAYS
from ytcs.core.dates import add_months, add_years
from ytcs.core.demo.plan import DemoPlan, UnitSpec
from ytcs.orgunits.models import OrgUnitKind

DAY = datetime.timedelta(days=1)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ACTION = ProposalStep.Action
STATION, CENTRE = OrgUnitKind.STATION, OrgUnitKind.REGIONAL_CENTRE

# --- equipment ---


# Per type of the shipped sample catalogue: makes and models seen in Vietnamese tenders, the serial number's prefix
# ("" for kits without one), the share of commune stations without it, the share of items out of order, and the
# estimated unit cost in million VND.
@dataclass(frozen=True)
class TypeProfile:
    models: tuple[str, ...]
    serial: str
    missing: float
    out_of_order: float
    cost: tuple[int, int]
    first_year: int = 2008


TYPE_PROFILES = {
    "SIEU_AM": TypeProfile(
        ("Mindray DP-10", "SonoScape A5", "GE Logiq V2", "Samsung HS40"), "US", 0.3, 0.1, (380, 950)
    ),
    "DIEN_TIM_6": TypeProfile(
        ("Nihon Kohden ECG-2150", "Fukuda Denshi FX-7102", "Bionet CardioCare 2000", "Schiller AT-1"), "EC", 0.2, 0.1,
        (35, 85),
    ),
    "DUONG_HUYET": TypeProfile(
        ("Accu-Chek Instant", "OneTouch Ultra Plus Flex", "On Call Plus"), "GM", 0.04, 0.05, (1, 3)
    ),
    "HUYET_AP": TypeProfile(("ALPK2 500-V (cơ)", "Omron HEM-7156", "Microlife BP B3"), "BP", 0.04, 0.04, (1, 3)),
    "CAN_NGUOI_LON": TypeProfile(("Nhơn Hòa ZT-120", "Tanita HD-366"), "CN", 0.03, 0.03, (1, 4)),
    "CAN_TRE_EM": TypeProfile(("Nhơn Hòa NHBS-20", "Seca 334"), "CT", 0.05, 0.03, (1, 3)),
    "BO_DO_DE": TypeProfile(("Bộ 20 chi tiết inox", "Bộ 24 chi tiết inox"), "", 0.04, 0.02, (5, 15)),
    "TU_LANH_VAC": TypeProfile(("Vestfrost MK 204", "Haier HBC-80", "Dometic TCW 2000 AC"), "TL", 0.03, 0.05, (40, 95)),
    "HOM_LANH": TypeProfile(("AOV ACB-264SL", "Nilkamal RCB 444L", "Blowkings CB-20-CF"), "HL", 0.04, 0.02, (2, 6)),
    "BINH_OXY": TypeProfile(("Bình 40 lít kèm đồng hồ, bộ làm ẩm", "Bình 10 lít xách tay"), "OX", 0.06, 0.03, (5, 12)),
    "TUI_CAP_CUU": TypeProfile(("Hộp cấp cứu sốc phản vệ", "Túi cấp cứu đa năng"), "", 0.03, 0.01, (2, 6)),
    "NOI_HAP": TypeProfile(("Sturdy SA-232X", "Tuttnauer 2540M", "Huxley HL-340"), "NH", 0.1, 0.08, (15, 60)),
    "MAY_TINH": TypeProfile(
        ("Dell OptiPlex 3000", "HP ProDesk 400 G7", "Lenovo ThinkCentre neo 50s"), "PC", 0.06, 0.06, (12, 20), 2016
    ),
}  # fmt: skip
DEFAULT_TYPE = TypeProfile(("",), "TB", 0.04, 0.04, (2, 20))
# Items beyond the norm a station often has: (type, chance, at most how many more).
STATION_EXTRAS = (("HUYET_AP", 0.3, 2), ("DUONG_HUYET", 0.2, 1), ("MAY_TINH", 0.25, 1), ("TUI_CAP_CUU", 0.2, 1))
# What a regional centre holds beside its norms: (type, fewest, most).
CENTRE_EXTRAS = (
    ("HUYET_AP", 4, 8), ("MAY_TINH", 6, 15), ("NOI_HAP", 1, 3), ("CAN_NGUOI_LON", 2, 3), ("DUONG_HUYET", 2, 4),
    ("TUI_CAP_CUU", 2, 4), ("HOM_LANH", 2, 6),
)  # fmt: skip
CENTRE_MISSING = 0.3  # chance a centre lacks one of the several items a norm asks for
WARD_MISSING = 0.5  # wards (towns) lack equipment half as often as communes
RETIRED_SHARE = 0.12  # stations keeping a retired item on the books
OVERDUE_SHARE = 0.14  # maintenance (or calibration) past due
REPAIR_SHARE = 0.4  # of the items out of order, those already sent for repair
# What the demo station got delivered last year (its proposal for what it lacks now was returned this year).
DEMO_DELIVERED = [("MAY_TINH", 1), ("DUONG_HUYET", 1)]
MERGER_HANDOVER = ("TU_LANH_VAC", "HOM_LANH", "HOM_LANH", "MAY_TINH", "BINH_OXY")
FUNDING_WEIGHTS = (
    (FundingSource.STATE_BUDGET, 0.62), (FundingSource.PROJECT, 0.14), (FundingSource.SOCIALISED, 0.08),
    (FundingSource.INSURANCE, 0.06), (FundingSource.OWN, 0.1),
)  # fmt: skip
FUNDING_BOUNDS = tuple(
    (source, sum(weight for _s, weight in FUNDING_WEIGHTS[: n + 1])) for n, (source, _w) in enumerate(FUNDING_WEIGHTS)
)
FUNDING_TOTAL = FUNDING_BOUNDS[-1][1]
FUNDING_NAMES = {
    FundingSource.STATE_BUDGET: "ngân sách nhà nước",
    FundingSource.INSURANCE: "quỹ bảo hiểm y tế",
    FundingSource.PROJECT: "dự án, viện trợ",
    FundingSource.SOCIALISED: "xã hội hóa",
    FundingSource.OWN: "nguồn thu của đơn vị",
    FundingSource.OTHER: "nguồn khác",
}
BROKEN_NOTES = (
    "Hỏng nguồn, đã báo Trung tâm Y tế khu vực",
    "Hỏng bo mạch, chờ kinh phí sửa chữa",
    "Màn hình không hiển thị, chờ kỹ thuật viên kiểm tra",
    "Hỏng đầu dò, chi phí thay thế lớn",
)
REPAIR_NOTES = (
    "Đã gửi hãng sửa chữa, dự kiến nhận lại trong tháng",
    "Đang sửa chữa tại phòng Vật tư – Thiết bị y tế của Sở",
    "Chờ thay linh kiện, đã có báo giá",
)
RETIRED_NOTE = "Đã thanh lý theo quyết định của Trung tâm Y tế khu vực, hư hỏng không sửa được"
HANDOVER_REASON = "Sáp nhập xã: bàn giao tài sản của {closed} cho {station}"

# --- proposals ---

IN_FLIGHT = ("draft", "submitted_centre", "resubmitted", "submitted_province", "returned")
PROVINCE_SLOTS = (
    "delivered", "delivered", "funded", "approved", "rejected", "returned", "submitted_province", "submitted_centre",
    "resubmitted", "draft",
)  # fmt: skip
EXTRA_SLOTS = (
    ("draft", 2), ("submitted_centre", 2), ("submitted_province", 1.5), ("returned", 1), ("rejected", 1),
    ("approved", 1), ("funded", 1), ("delivered", 2.5),
)  # fmt: skip
EXTRA_PROPOSAL_SHARE = 0.08  # proposals per station beyond the province's base set
CENTRE_SLOTS = ("submitted_province", "approved", "funded", "delivered")
STATUS_OF_SLOT = {
    "draft": ProposalStatus.DRAFT,
    "submitted_centre": ProposalStatus.SUBMITTED,
    "resubmitted": ProposalStatus.SUBMITTED,
    "submitted_province": ProposalStatus.SUBMITTED,
    "returned": ProposalStatus.RETURNED,
    "rejected": ProposalStatus.REJECTED,
    "approved": ProposalStatus.APPROVED,
    "funded": ProposalStatus.FUNDED,
    "delivered": ProposalStatus.DELIVERED,
}
SUBMIT_COMMENTS = ("", "Kính trình xem xét, phê duyệt.", "Kính đề nghị xem xét bố trí kinh phí trong năm.")
RESUBMIT_COMMENT = "Đã bổ sung báo giá và giải trình theo ý kiến góp ý."
CENTRE_APPROVE_COMMENT = "Đồng ý với đề xuất của trạm; kính trình Sở Y tế xem xét bố trí kinh phí."
PROVINCE_APPROVE_COMMENT = "Phê duyệt danh mục; giao phòng Kế hoạch – Tài chính cân đối nguồn kinh phí."
RETURN_COMMENTS = (
    "Đề nghị bổ sung báo giá của ít nhất ba nhà cung cấp cho từng thiết bị.",
    "Đề nghị giải trình nhu cầu sử dụng (số lượt khám thai, số người bệnh mạn tính quản lý) và nhân lực đã được "
    "đào tạo vận hành máy.",
    "Đơn giá dự kiến cao hơn giá trúng thầu gần nhất của tỉnh; đề nghị rà soát lại.",
)
REJECT_COMMENTS = (
    "Không bố trí được kinh phí năm {year}; đề nghị đưa vào kế hoạch năm sau.",
    "Thiết bị đã được phân bổ từ dự án của tỉnh trong năm; không trùng lặp đầu tư.",
)
FUND_COMMENT = "Quyết định số {number}/QĐ-SYT ngày {day:%d/%m/%Y} phân bổ kinh phí ({source})."
DELIVER_COMMENT = "Đã bàn giao, nghiệm thu đưa vào sử dụng; biên bản bàn giao số {number}/BB-SYT."
ASSESSMENT_CITE_SHARE = 0.5  # station proposals citing last year's verified national-criteria assessment
# Days between the steps of a proposal: created → submitted, each review, funding, delivery.
STEP_DAYS = {"submit": (2, 20), "centre": (5, 30), "province": (10, 45), "fund": (15, 60), "deliver": (20, 90)}

# --- stock ---


@dataclass(frozen=True)
class MedicineProfile:
    """How a medicine is used at an average station: monthly use as a multiple of its usual minimum, the pack it
    is delivered in, its shelf life in months and whether its use rises in the rainy season."""

    use: float
    pack: int
    shelf_months: int
    rainy: float = 1.0


MEDICINE_PROFILES = {
    "PARA500": MedicineProfile(2.5, 100, 36, 1.25), "AMOX500": MedicineProfile(1.8, 100, 36, 1.15),
    "ORS": MedicineProfile(1.0, 20, 24, 1.4), "METF500": MedicineProfile(3.0, 100, 36),
    "AMLO5": MedicineProfile(3.0, 100, 36), "ENAL5": MedicineProfile(1.5, 100, 36),
    "SALB2": MedicineProfile(1.0, 100, 36, 0.85), "SATFOL": MedicineProfile(1.5, 100, 24),
    "VITA": MedicineProfile(0.4, 100, 24), "OXYTO": MedicineProfile(0.3, 10, 24),
    "ADRE1": MedicineProfile(0.06, 10, 24), "LIDO2": MedicineProfile(0.8, 10, 36),
    "NACL09": MedicineProfile(0.6, 20, 36), "POVI10": MedicineProfile(0.6, 5, 36),
}  # fmt: skip
DEFAULT_MEDICINE = MedicineProfile(1.0, 10, 24)
DEFAULT_MINIMUM = 100  # use of a medicine without a usual minimum
LEDGER_DAYS = 365
RECEIPT_DAY, DISPOSAL_DAY = 5, 10  # of the month: the delivery from the centre; destroying expired stock (quarterly)
TRANSFER_QUIET_PERIODS = 8  # half-months at the end without transfers (they would refill the shelves that end short)
ORDER_MONTHS = 2.5  # a delivery tops the stock up to this many months of use...
ORDER_MINIMUMS = 2  # ...or to this many times the usual minimum, whichever is more
USABLE_DAYS = 60  # stock expiring sooner is not counted when ordering
OLD_SHARE = 0.35  # of the opening stock, in the older batch
SHORT_SHARE, OUT_SHARE = 0.07, 0.035  # station × medicine ending below the minimum, out of stock
COUNT_SHARE = 0.35  # stations finding a difference at a quarter's count
POPULATION_NORM = 25_000  # catchment of an average station
OPENING_REASON = "Số dư đầu kỳ chuyển từ sổ kho giấy ngày {day:%d/%m/%Y}"
RECEIPT_REASON = "Nhận thuốc từ khoa Dược {centre}, phiếu xuất số {number}"
SHORT_REASON = "Nhận một phần: nhà thầu chưa cung ứng đủ, phần còn lại giao sau"
ISSUE_REASON = "Cấp phát cho người bệnh từ {start:%d/%m} đến {end:%d/%m/%Y}"
DISPOSAL_REASON = "Hủy thuốc hết hạn dùng theo biên bản hủy thuốc quý {quarter}/{year}"
COUNT_LESS_REASON = "Kiểm kê cuối quý {quarter}/{year}: thiếu so với sổ (vỡ, hư hỏng)"
COUNT_MORE_REASON = "Kiểm kê cuối quý {quarter}/{year}: thừa so với sổ do ghi nhầm phiếu xuất"
TRANSFER_REASON = "Điều chuyển hỗ trợ {station} đang thiếu thuốc"
NORMAL, SHORT, OUT = "normal", "short", "out"


# --- what is read from the database ---


@dataclass(frozen=True)
class TypeInfo:
    """An equipment type of the current catalogue as the demo needs it."""

    code: str
    name: str
    maintenance_months: int | None = None
    calibration_months: int | None = None


@dataclass(frozen=True)
class CatalogueInfo:
    """The current equipment catalogue: its types by code and its norms, unit kind → ((type code, quantity), ...)."""

    types: dict[str, TypeInfo]
    norms: dict[str, tuple[tuple[str, int], ...]]


@dataclass(frozen=True)
class MedicineInfo:
    code: str
    minimum_stock: int | None


# --- the plan ---


@dataclass(slots=True)
class ItemSpec:
    """An item of equipment at a unit; `delivered_by` is (proposal index, line index) for items a delivery made."""

    orgunit: str
    type: str
    serial_number: str = ""
    model_name: str = ""
    year_in_use: int | None = None
    funding_source: str = ""
    condition: str = Condition.WORKING
    last_maintained_on: datetime.date | None = None
    next_maintenance_on: datetime.date | None = None
    last_calibrated_on: datetime.date | None = None
    next_calibration_on: datetime.date | None = None
    warranty_until: datetime.date | None = None
    note: str = ""
    delivered_by: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class MoveSpec:
    item: int  # index in `DemoEquipment.items`
    orgunit: str
    to_unit: str
    moved_on: datetime.date
    reason: str


@dataclass(frozen=True, slots=True)
class LineSpec:
    type: str
    quantity: int
    unit_cost: Decimal
    funding_source: str
    justification: str
    closes_gap: bool
    delivered_quantity: int = 0


@dataclass(frozen=True, slots=True)
class StepSpec:
    orgunit: str
    action: str
    comment: str
    by: str | None
    at: datetime.datetime


@dataclass(frozen=True)
class ProposalSpec:
    """A proposal; `slot` says where it stands (a status, or where under review), `cites_assessment` that it
    refers to the unit's verified national-criteria assessment of the year before `year` (if there is one)."""

    orgunit: str
    year: int
    title: str
    justification: str
    slot: str
    reviewer_unit: str | None
    created_by: str | None
    created: datetime.datetime
    cites_assessment: bool
    lines: tuple[LineSpec, ...]
    steps: tuple[StepSpec, ...]

    @property
    def status(self) -> str:
        return STATUS_OF_SLOT[self.slot]


@dataclass
class DemoEquipment:
    items: list[ItemSpec] = field(default_factory=list)
    moves: list[MoveSpec] = field(default_factory=list)
    proposals: list[ProposalSpec] = field(default_factory=list)
    # Units short of at least one type of their kind's norms (working items against the norm), after deliveries.
    units_short: set[str] = field(default_factory=set)


# A ledger entry: (unit, medicine, batch, expiry, kind, signed quantity, date, reason, transfer id, counterpart).
Entry = tuple[str, str, str, datetime.date, str, int, datetime.date, str, uuid.UUID | None, str | None]
# A running balance: (unit, medicine, batch, expiry, quantity, date of the batch's latest entry).
Balance = tuple[str, str, str, datetime.date, int, datetime.date]


@dataclass
class RegionStock:
    """The ledger of a region's open stations and their balances at the end."""

    region: str
    entries: list[Entry]
    balances: list[Balance]


def plan_equipment(plan: DemoPlan, catalogue: CatalogueInfo, *, today: datetime.date) -> DemoEquipment:
    """Every open station's and regional centre's equipment, the merger hand-overs and the proposals."""
    return _Equipment(plan, catalogue, today=today).build()


def plan_stock(plan: DemoPlan, medicines: list[MedicineInfo], *, today: datetime.date) -> Iterator[RegionStock]:
    """The last 365 days of the stock ledger of every open station, region by region (see the module's doc)."""
    if not medicines:
        return
    yield from _Stock(plan, medicines, today=today).regions()


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(["assets", *map(str, parts)]))


def _moment(rng: random.Random, day: datetime.date) -> datetime.datetime:
    """A time in office hours (7:30-16:30, Vietnam) on the day."""
    minutes = rng.randint(7 * 60 + 30, 16 * 60 + 30)
    return datetime.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=ZONE)


def _logins(plan: DemoPlan) -> dict[str, str]:
    return {user.username: user.unit_code for user in plan.users}


def _tree(plan: DemoPlan) -> dict[str, list[UnitSpec]]:
    children: dict[str, list[UnitSpec]] = defaultdict(list)
    for unit in plan.units:
        if unit.parent_code:
            children[unit.parent_code].append(unit)
    return children


def _is_ward(unit: UnitSpec) -> bool:
    return unit.name.startswith("Trạm Y tế phường")


# --- equipment and proposals ---


class _Equipment:
    def __init__(self, plan: DemoPlan, catalogue: CatalogueInfo, *, today: datetime.date) -> None:
        self.seed = plan.seed
        self.plan = plan
        self.catalogue = catalogue
        self.today = today
        self.children = _tree(plan)
        logins = _logins(plan)
        self.demo_station = logins.get("station_head")
        self.demo_region = logins.get("region_manager")
        self.demo_province = logins.get("province_admin")
        self.data = DemoEquipment()
        # unit → type → indices of its items (not retired), to find gaps and items a proposal replaces
        self.held: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.units: dict[str, UnitSpec] = {unit.code: unit for unit in plan.units}

    def build(self) -> DemoEquipment:
        for province in (u for u in self.plan.units if u.kind == OrgUnitKind.PROVINCE):
            self._province(province)
        for unit in self.plan.units:
            if unit.kind in self.catalogue.norms and unit.closed_on is None and self._gaps(unit.code):
                self.data.units_short.add(unit.code)
        return self.data

    # inventory

    def _province(self, province: UnitSpec) -> None:
        regions = [u for u in self.children[province.code] if u.kind == CENTRE]
        for region in regions:
            if region.closed_on is None:
                self._centre(region)
            stations = [u for u in self.children[region.code] if u.kind == STATION]
            open_stations = [u for u in stations if u.closed_on is None]
            for station in open_stations:
                self._station(station)
            for position, station in enumerate(stations):
                if station.closed_on is not None and open_stations:
                    # The commune merged into a neighbour: the nearest open station in the region's list.
                    later = [u for u in stations[position:] if u.closed_on is None]
                    self._hand_over(station, later[0] if later else open_stations[-1])
        self._proposals(province, [r for r in regions if r.closed_on is None])

    def _add(self, item: ItemSpec) -> int:
        self.data.items.append(item)
        index = len(self.data.items) - 1
        if item.condition != Condition.RETIRED:
            self.held[item.orgunit][item.type].append(index)
        return index

    def _item(
        self,
        rng: random.Random,
        unit: str,
        code: str,
        *,
        condition: str | None = None,
        overdue: bool | None = None,
        last_year: int | None = None,
    ) -> ItemSpec:
        profile = TYPE_PROFILES.get(code, DEFAULT_TYPE)
        info = self.catalogue.types[code]
        last_year = min(last_year or self.today.year - 1, self.today.year - 1)
        opened = self.units[unit].opened_on
        first_year = max(profile.first_year, opened.year if opened else 0)
        year = _pick(rng, min(first_year, last_year), last_year)
        if condition is None:
            roll = rng.random()
            condition = Condition.WORKING
            if roll < profile.out_of_order:
                condition = Condition.UNDER_REPAIR if roll < profile.out_of_order * REPAIR_SHARE else Condition.BROKEN
        model = rng.choice(profile.models)
        serial = f"{profile.serial}{year % 100:02d}{_pick(rng, 0, 99_999):05d}" if profile.serial else ""
        item = ItemSpec(
            orgunit=unit,
            type=code,
            serial_number=serial,
            model_name=model,
            year_in_use=year,
            funding_source=self._funding(rng),
            condition=condition,
            warranty_until=add_years(datetime.date(year, _pick(rng, 1, 12), _pick(rng, 1, 28)), _pick(rng, 1, 3)),
        )
        in_use = datetime.date(year, 1, 1)
        late = rng.random() < OVERDUE_SHARE if overdue is None else overdue
        if info.maintenance_months:
            item.last_maintained_on, item.next_maintenance_on = self._due(rng, info.maintenance_months, late, in_use)
            late = late and rng.random() < 0.5  # an item late for one is often late for both
        if info.calibration_months:
            item.last_calibrated_on, item.next_calibration_on = self._due(rng, info.calibration_months, late, in_use)
        if condition == Condition.BROKEN:
            item.note = rng.choice(BROKEN_NOTES)
        elif condition == Condition.UNDER_REPAIR:
            item.note = rng.choice(REPAIR_NOTES)
        return item

    def _due(
        self, rng: random.Random, months: int, late: bool, in_use: datetime.date
    ) -> tuple[datetime.date | None, datetime.date]:
        """(last done, next due): next due in the past when late, else within the period ahead."""
        due = self.today - _pick(rng, 1, 150) * DAY if late else self.today + _pick(rng, 0, months * 30) * DAY
        last = add_months(due, -months)
        return (last if in_use <= last <= self.today else None), due

    def _funding(self, rng: random.Random) -> str:
        roll = rng.random() * FUNDING_TOTAL
        return next((source for source, bound in FUNDING_BOUNDS if roll < bound), FUNDING_BOUNDS[-1][0])

    def _station(self, station: UnitSpec) -> None:
        rng = _rng(self.seed, "equipment", station.code)
        demo = station.code == self.demo_station
        ward = WARD_MISSING if _is_ward(station) else 1.0
        for code, quantity in self.catalogue.norms.get(STATION, ()):
            profile = TYPE_PROFILES.get(code, DEFAULT_TYPE)
            have = quantity
            if rng.random() < profile.missing * ward:
                have = 0 if quantity == 1 else _pick(rng, 0, quantity - 1)
            for extra_code, chance, most in STATION_EXTRAS:
                if extra_code == code and rng.random() < chance:
                    have += _pick(rng, 1, most)
            condition = overdue = None
            if demo:
                # What the demo station's head sees: no ultrasound, a broken ECG, the refrigerator overdue.
                have = {"SIEU_AM": 0, "MAY_TINH": 0}.get(code, quantity)
                condition = Condition.BROKEN if code == "DIEN_TIM_6" else Condition.WORKING
                overdue = code == "TU_LANH_VAC"
            for _ in range(have):
                item = self._item(rng, station.code, code, condition=condition, overdue=overdue)
                if demo and code == "DIEN_TIM_6":
                    item.note = "Hỏng bo mạch in, đã báo Trung tâm Y tế khu vực"
                self._add(item)
        norms = [code for code, _quantity in self.catalogue.norms.get(STATION, ())]
        if norms and not demo and rng.random() < RETIRED_SHARE:
            code = rng.choice(norms)
            old = self._item(rng, station.code, code, condition=Condition.RETIRED, last_year=2015)
            old.last_maintained_on = old.next_maintenance_on = old.last_calibrated_on = old.next_calibration_on = None
            old.note = RETIRED_NOTE
            self._add(old)

    def _centre(self, centre: UnitSpec) -> None:
        rng = _rng(self.seed, "equipment", centre.code)
        for code, quantity in self.catalogue.norms.get(CENTRE, ()):
            have = quantity - (1 if quantity > 1 and rng.random() < CENTRE_MISSING else 0)
            for _ in range(have):
                self._add(self._item(rng, centre.code, code))
        for code, fewest, most in CENTRE_EXTRAS:
            if code in self.catalogue.types:
                for _ in range(_pick(rng, fewest, most)):
                    self._add(self._item(rng, centre.code, code))

    def _hand_over(self, closed: UnitSpec, station: UnitSpec) -> None:
        moved_on = closed.closed_on + DAY
        if moved_on > self.today:
            return
        rng = _rng(self.seed, "equipment", closed.code)
        reason = HANDOVER_REASON.format(closed=closed.name, station=station.name)
        for code in MERGER_HANDOVER:
            if code in self.catalogue.types:
                item = self._item(rng, station.code, code, condition=Condition.WORKING, last_year=closed.closed_on.year)
                self.data.moves.append(MoveSpec(self._add(item), closed.code, station.code, moved_on, reason))

    def _working(self, unit: str, code: str) -> int:
        return sum(1 for i in self.held[unit][code] if self.data.items[i].condition == Condition.WORKING)

    def _gaps(self, unit: str) -> list[tuple[str, int]]:
        """(type, missing working items) against the norms of the unit's kind."""
        kind = self.units[unit].kind
        gaps = []
        for code, quantity in self.catalogue.norms.get(kind, ()):
            missing = quantity - self._working(unit, code)
            if missing > 0:
                gaps.append((code, missing))
        return gaps

    # proposals

    def _proposals(self, province: UnitSpec, regions: list[UnitSpec]) -> None:
        rng = _rng(self.seed, "proposals", province.code)
        stations = [s for r in regions for s in self.children[r.code] if s.kind == STATION and s.closed_on is None]
        if not stations:
            return
        candidates = [s for s in stations if s.code != self.demo_station and self._gaps(s.code)]
        others = [s for s in stations if s.code != self.demo_station and s not in candidates]
        rng.shuffle(candidates)
        rng.shuffle(others)
        queue = candidates + others
        slots = list(PROVINCE_SLOTS)
        names, weights = zip(*EXTRA_SLOTS, strict=True)
        slots += rng.choices(names, weights=weights, k=round(EXTRA_PROPOSAL_SHARE * len(stations)))
        # The demo region's manager has a station's proposal waiting for them.
        first_region = [s for s in queue if s.parent_code == (self.demo_region or regions[0].code)]
        if first_region:
            queue.remove(first_region[0])
            queue.insert(slots.index("submitted_centre"), first_region[0])
        if self.demo_station in {s.code for s in stations}:
            demo = self.units[self.demo_station]
            self._propose(rng, demo, "delivered", lines=DEMO_DELIVERED, last_year=True)
            self._propose(rng, demo, "returned", lines=self._gaps(demo.code), return_at_centre=True)
        for slot, station in zip(slots, queue, strict=False):
            self._propose(rng, station, slot)
        centre = rng.choice(regions)
        self._propose(rng, centre, rng.choice(CENTRE_SLOTS))

    def _propose(
        self,
        rng: random.Random,
        unit: UnitSpec,
        slot: str,
        *,
        lines: list[tuple[str, int]] | None = None,
        last_year: bool = False,
        return_at_centre: bool | None = None,
    ) -> None:
        """A proposal of the unit standing at `slot`: asking for (some of) its gaps unless `lines` says what,
        with the review steps that led there; a delivered one puts its items into the unit's inventory."""
        gap_types = {code for code, _missing in self._gaps(unit.code)}
        if lines is None:
            lines = self._gaps(unit.code)
            rng.shuffle(lines)
            lines = lines[: _pick(rng, 1, 3)]
        lines = [(code, quantity) for code, quantity in lines if code in self.catalogue.types]
        if not lines:
            # A unit without gaps renews a worn-out item of its norms.
            norms = [code for code, _quantity in self.catalogue.norms.get(unit.kind, ())]
            if not norms:
                return
            lines = [(rng.choice(norms), 1)]
        delivered = slot == "delivered"
        line_specs = []
        for code, quantity in lines:
            low, high = TYPE_PROFILES.get(code, DEFAULT_TYPE).cost
            name = self.catalogue.types[code].name
            if code not in gap_types:
                why = f"Thay thế {name.lower()} đã xuống cấp"
            elif self._working(unit.code, code) < len(self.held[unit.code][code]):
                why = f"{name} hiện có bị hỏng, sửa chữa không hiệu quả"
            else:
                why = f"Đơn vị chưa có {name.lower()} theo định mức"
            roll = rng.random()
            source = FundingSource.STATE_BUDGET if roll < 0.75 else FundingSource.PROJECT
            line_specs.append(
                LineSpec(
                    type=code,
                    quantity=quantity,
                    unit_cost=Decimal(_pick(rng, low * 10, high * 10) * 100_000),
                    funding_source=FundingSource.SOCIALISED if roll > 0.9 else source,
                    justification=why,
                    closes_gap=code in gap_types,
                    delivered_quantity=quantity if delivered else 0,
                )
            )
        station = unit.kind == STATION
        parent = unit.parent_code or unit.code
        province = self.units[parent].parent_code if station else parent
        chain = self._chain(rng, slot, station=station, return_at_centre=return_at_centre)
        steps_days = [_pick(rng, *STEP_DAYS[key]) for _where, _action, key in chain]
        if slot in IN_FLIGHT:
            end = self.today - _pick(rng, 1, 40) * DAY
        elif last_year:
            end = datetime.date(self.today.year - 1, 12, 15) - _pick(rng, 0, 150) * DAY
        else:
            end = self.today - _pick(rng, 10, 200) * DAY
        created_on = end - sum(steps_days) * DAY
        # The year the money is for: proposals drafted from October on are for next year's budget.
        year = created_on.year + (1 if created_on.month >= 10 and not last_year else 0)
        logins = self._users(unit)
        created = _moment(rng, created_on)
        sources = FUNDING_NAMES[line_specs[0].funding_source]
        steps: list[StepSpec] = []
        day, at = created_on, created
        for (where, action, _key), days in zip(chain, steps_days, strict=True):
            day += days * DAY
            at = max(_moment(rng, day), at + datetime.timedelta(minutes=1))
            again = action == ACTION.SUBMIT and any(step.action == ACTION.RETURN for step in steps)
            comment = RESUBMIT_COMMENT if again else self._comment(rng, where, action, year, day, sources)
            where_code = {"unit": unit.code, "centre": parent, "province": province}[where]
            steps.append(StepSpec(where_code, action, comment, logins[where], at))
        listed = ", ".join(f"{line.quantity} {self.catalogue.types[line.type].name.lower()}" for line in line_specs)
        reviewer = {"submitted_centre": parent, "resubmitted": parent, "submitted_province": province}.get(slot)
        self.data.proposals.append(
            ProposalSpec(
                orgunit=unit.code,
                year=year,
                title=f"Đề xuất bổ sung trang thiết bị năm {year} – {unit.name}",
                justification=(
                    f"Đối chiếu định mức trang thiết bị, {unit.name} cần bổ sung: {listed}. Thiết bị phục vụ khám "
                    f"chữa bệnh ban đầu, quản lý bệnh mạn tính và chăm sóc sức khỏe bà mẹ, trẻ em tại địa bàn."
                ),
                slot=slot,
                reviewer_unit=reviewer,
                created_by=logins["unit"],
                created=created,
                cites_assessment=station and rng.random() < ASSESSMENT_CITE_SHARE,
                lines=tuple(line_specs),
                steps=tuple(steps),
            )
        )
        if delivered:
            # As services.proposal_deliver: each line's items enter the unit's inventory, in working order, with
            # the serial numbers given at delivery.
            delivered_on = steps[-1].at.astimezone(ZONE).date()
            number = len(self.data.proposals) - 1
            for index, line in enumerate(line_specs):
                prefix = TYPE_PROFILES.get(line.type, DEFAULT_TYPE).serial
                for _ in range(line.quantity):
                    serial = f"{prefix}{delivered_on.year % 100:02d}{_pick(rng, 0, 99_999):05d}" if prefix else ""
                    self._add(
                        ItemSpec(
                            orgunit=unit.code,
                            type=line.type,
                            serial_number=serial,
                            year_in_use=delivered_on.year,
                            funding_source=line.funding_source,
                            condition=Condition.WORKING,
                            delivered_by=(number, index),
                        )
                    )

    def _users(self, unit: UnitSpec) -> dict[str, str | None]:
        """Who acts for the unit, its regional centre and its province: the demo logins where they work."""
        parent = unit.parent_code
        centre_code = parent if unit.kind == STATION else None
        province = self.units[parent].parent_code if unit.kind == STATION else parent
        return {
            "unit": {self.demo_station: "station_head", self.demo_region: "region_manager"}.get(unit.code),
            "centre": "region_manager" if centre_code and centre_code == self.demo_region else None,
            "province": "province_admin" if province == self.demo_province else None,
        }

    def _chain(
        self, rng: random.Random, slot: str, *, station: bool, return_at_centre: bool | None
    ) -> list[tuple[str, str, str]]:
        """The steps of a proposal in `slot`: (where: unit, centre or province; action; delay key)."""
        submit = ("unit", ACTION.SUBMIT, "submit")
        at_centre = [("centre", ACTION.APPROVE, "centre")] if station else []
        if slot == "draft":
            return []
        if slot == "submitted_centre":
            return [submit]
        if slot == "resubmitted":
            return [submit, ("centre", ACTION.RETURN, "centre"), ("unit", ACTION.SUBMIT, "submit")]
        if slot == "submitted_province":
            return [submit, *at_centre]
        if slot in ("returned", "rejected"):
            action = ACTION.RETURN if slot == "returned" else ACTION.REJECT
            at_first = station and (rng.random() < 0.5 if return_at_centre is None else return_at_centre)
            return (
                [submit, ("centre", action, "centre")]
                if at_first
                else [submit, *at_centre, ("province", action, "province")]
            )
        chain = [submit, *at_centre, ("province", ACTION.APPROVE, "province")]
        if slot in ("funded", "delivered"):
            chain.append(("province", ACTION.FUND, "fund"))
        if slot == "delivered":
            chain.append(("province", ACTION.DELIVER, "deliver"))
        return chain

    def _comment(self, rng: random.Random, where: str, action: str, year: int, day: datetime.date, sources: str) -> str:
        if action == ACTION.SUBMIT:
            return rng.choice(SUBMIT_COMMENTS)
        if action == ACTION.APPROVE:
            return CENTRE_APPROVE_COMMENT if where == "centre" else PROVINCE_APPROVE_COMMENT
        if action == ACTION.RETURN:
            return rng.choice(RETURN_COMMENTS)
        if action == ACTION.REJECT:
            return rng.choice(REJECT_COMMENTS).format(year=year)
        if action == ACTION.FUND:
            return FUND_COMMENT.format(number=_pick(rng, 100, 2_999), day=day - _pick(rng, 1, 10) * DAY, source=sources)
        return DELIVER_COMMENT.format(number=_pick(rng, 10, 999))


# --- stock ---


def _pick(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high, as `randint` but several times cheaper (a million draws nationally)."""
    return low + int(rng.random() * (high - low + 1))


def _use(rng: random.Random, mean: float) -> int:
    """How much is used in a period of mean use `mean`: a Poisson draw (Knuth's method) for small means; above 8,
    the mean give or take a fifth (a triangular spread, close enough and far cheaper than a normal draw)."""
    if mean <= 0:
        return 0
    if mean > 8:
        return round(mean * (0.8 + 0.2 * (rng.random() + rng.random())))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


class _Shelf:
    """One medicine at one station: its use, each half-month's demand, how it ends (`fate`), its batches (code →
    [expiry, balance, date of the latest entry]) and their codes by expiry."""

    __slots__ = ("unit", "medicine", "minimum", "monthly", "pack", "target", "threshold", "demand", "fate", "keep",
                 "partial", "batches", "order")  # fmt: skip

    def __init__(self, unit: str, medicine: str) -> None:
        self.unit, self.medicine = unit, medicine
        self.batches: dict[str, list] = {}
        self.order: list[tuple[datetime.date, str]] = []

    def add_batch(self, code: str, expiry: datetime.date, day: datetime.date) -> list:
        """The batch about to receive stock; `order` lists only batches holding some (it is walked on every issue
        and order, and a year of deliveries leaves a dozen empty batches behind)."""
        batch = self.batches.get(code)
        if batch is None:
            batch = self.batches[code] = [expiry, 0, day]
        if batch[1] == 0:
            bisect.insort(self.order, (expiry, code))
        return batch

    def unexpired(self, on: datetime.date) -> int:
        return sum(self.batches[code][1] for expiry, code in self.order if expiry >= on)


@dataclass
class StockFigures:
    """What the ledger of a region ends with on `today`, by the rules of `selectors`: stock-outs and medicines
    below the usual minimum (station × medicine, unexpired balance), batches in stock expired or expiring within
    90 days."""

    entries: int = 0
    transfers: int = 0
    balances: int = 0
    stock_outs: int = 0
    below_minimum: int = 0
    expiring: int = 0

    def add(self, region: RegionStock, minimums: dict[str, int | None], today: datetime.date) -> None:
        self.entries += len(region.entries)
        self.transfers += sum(1 for e in region.entries if e[4] == StockKind.TRANSFER_OUT)
        self.balances += len(region.balances)
        unexpired: Counter[tuple[str, str]] = Counter()
        limit = today + EXPIRY_WINDOW_DAYS * DAY
        for unit, medicine, _batch, expiry, quantity, _last in region.balances:
            unexpired[unit, medicine] += quantity if expiry >= today else 0
            self.expiring += quantity > 0 and expiry <= limit
        for (_unit, medicine), quantity in unexpired.items():
            minimum = minimums.get(medicine)
            self.stock_outs += quantity == 0
            self.below_minimum += minimum is not None and 0 < quantity < minimum


# Phases of a day, in the order they are posted: the opening balances, the month's delivery, the destruction of
# expired stock, transfers, the quarter's count, the half-month's issues.
OPENING, RECEIPT, DISPOSAL, TRANSFER, COUNT, ISSUE = range(6)


class _Stock:
    def __init__(self, plan: DemoPlan, medicines: list[MedicineInfo], *, today: datetime.date) -> None:
        self.seed = plan.seed
        self.plan = plan
        self.today = today
        self.medicines = sorted(medicines, key=lambda m: m.code)
        self.children = _tree(plan)
        self.demo_station = _logins(plan).get("station_head")
        self.start = start = today - (LEDGER_DAYS - 1) * DAY
        # Issues are posted twice a month, on the 15th and the month's last day, for the half-month up to it.
        self.issue_days: list[datetime.date] = []
        self.receipt_days: list[datetime.date] = []
        self.events: list[tuple[datetime.date, int]] = [(start, OPENING)]
        month = start.replace(day=1)
        while month <= today:
            end = add_months(month, 1) - DAY
            for day, phase in (
                (month.replace(day=RECEIPT_DAY), RECEIPT),
                (month.replace(day=DISPOSAL_DAY), DISPOSAL),
                (end, COUNT),
                (month.replace(day=15), ISSUE),
                (end, ISSUE),
            ):
                if not start < day <= today:
                    continue
                if phase == DISPOSAL and day.month not in (1, 4, 7, 10):
                    continue
                if phase == COUNT and day.month not in (3, 6, 9, 12):
                    continue
                self.events.append((day, phase))
                if phase == ISSUE:
                    self.issue_days.append(day)
                elif phase == RECEIPT:
                    self.receipt_days.append(day)
            month = add_months(month, 1)
        self.events.sort()
        # Each issue covers the days since the one before (the first, since the opening day).
        firsts = [start, *(day + DAY for day in self.issue_days[:-1])]
        self.period_days = [(day - first).days + 1 for first, day in zip(firsts, self.issue_days, strict=True)]
        self.issue_reasons = [
            ISSUE_REASON.format(start=first, end=day) for first, day in zip(firsts, self.issue_days, strict=True)
        ]
        self.last_issue = self.issue_days[-1] if self.issue_days else None
        # Per medicine and issue, days of use weighted by the season (the rainy months, May to October, raise the
        # use of fever, diarrhoea and antibiotic medicines).
        self.period_factors = {}
        for medicine in self.medicines:
            rainy = MEDICINE_PROFILES.get(medicine.code, DEFAULT_MEDICINE).rainy
            dry = 1 - (rainy - 1) * 0.8
            self.period_factors[medicine.code] = [
                days * (rainy if 5 <= day.month <= 10 else dry)
                for day, days in zip(self.issue_days, self.period_days, strict=True)
            ]
        # Shelves that end out or short get no delivery after the last issue day ("late"); those ending out miss
        # the two before it too; the last one before it is partial for those ending short.
        before = [day for day in self.receipt_days if self.last_issue and day <= self.last_issue]
        self.late = {day for day in self.receipt_days if day not in before}
        self.missed = set(before[-2:])
        self.partial = before[-1] if before else None
        self.batch_codes: dict[str, set[str]] = defaultdict(set)
        self.deliveries: dict[tuple[str, str, datetime.date], tuple[str, datetime.date]] = {}
        # The demo station's alerts: one medicine out, one short, one with a batch close to expiry.
        codes = [m.code for m in self.medicines]
        by_use = sorted(codes, key=lambda c: (-MEDICINE_PROFILES.get(c, DEFAULT_MEDICINE).use, c))
        minimums = [m.code for m in self.medicines if m.minimum_stock]
        out = "AMOX500" if "AMOX500" in codes else by_use[0]
        short = "PARA500" if "PARA500" in minimums else next((c for c in by_use if c in minimums and c != out), None)
        self.forced = {out: OUT}
        if short and short != out:
            self.forced[short] = SHORT
        self.expiring = "ADRE1" if "ADRE1" in codes else by_use[-1]

    def regions(self) -> Iterator[RegionStock]:
        for province in (u for u in self.plan.units if u.kind == OrgUnitKind.PROVINCE):
            for region in self.children[province.code]:
                if region.kind != CENTRE:
                    continue
                stations = [u for u in self.children[region.code] if u.kind == STATION and u.closed_on is None]
                if stations:
                    yield _RegionLedger(self, province, region, stations).run()

    def code(self, rng: random.Random, medicine: str, made: datetime.date) -> str:
        """A batch number (số lô): the month of manufacture and three digits, never given twice for a medicine (a
        manufacturer's lot has one expiry date wherever it goes)."""
        used = self.batch_codes[medicine]
        number = rng.randint(100, 989)
        while f"{made:%y%m}{number:03d}" in used:
            number += 1
        code = f"{made:%y%m}{number:03d}"
        used.add(code)
        return code

    def delivery(self, province: str, medicine: str, month: datetime.date) -> tuple[str, datetime.date]:
        """The batch a province's stations get of a medicine in a month: the lot the province bought for the
        quarter (one lot, one expiry date, delivered month after month)."""
        month = month.replace(month=(month.month - 1) // 3 * 3 + 1)
        key = (province, medicine, month)
        found = self.deliveries.get(key)
        if found is None:
            rng = _rng(self.seed, "batch", province, medicine, f"{month:%Y-%m}")
            shelf_months = MEDICINE_PROFILES.get(medicine, DEFAULT_MEDICINE).shelf_months
            made = add_months(month, -rng.randint(2, 9)).replace(day=rng.randint(1, 28))
            found = self.deliveries[key] = (self.code(rng, medicine, made), add_months(made, shelf_months))
        return found


class _RegionLedger:
    """The year of one region's stations, posted in date order across the stations (a transfer touches two of
    them), so that each batch's entries come in date order and no balance goes below zero."""

    def __init__(self, stock: _Stock, province: UnitSpec, region: UnitSpec, stations: list[UnitSpec]) -> None:
        self.stock = stock
        self.today = stock.today
        self.province = province.code
        self.region = region
        self.stations = stations
        self.rng = _rng(stock.seed, "stock", region.code)
        self.entries: list[Entry] = []
        self.shelves: dict[str, list[_Shelf]] = {station.code: self._shelves(station) for station in stations}
        self.transfers: dict[datetime.date, list[tuple[str, str, str]]] = defaultdict(list)
        periods = len(stock.issue_days) - TRANSFER_QUIET_PERIODS
        if len(stations) >= 2 and periods > 1:
            heavy = [m.code for m in stock.medicines if MEDICINE_PROFILES.get(m.code, DEFAULT_MEDICINE).use >= 1]
            for _ in range(self.rng.randint(1, 3)):
                sender, receiver = self.rng.sample(stations, 2)
                medicine = self.rng.choice(heavy or [m.code for m in stock.medicines])
                day = stock.issue_days[self.rng.randint(1, periods)] - self.rng.randint(2, 6) * DAY
                self.transfers[day].append((sender.code, receiver.code, medicine))

    def _shelves(self, station: UnitSpec) -> list[_Shelf]:
        stock = self.stock
        rng = _rng(stock.seed, "stock", station.code)
        figures = dict(station.populations)
        people = figures.get(self.today.year) or (station.populations[-1][1] if figures else POPULATION_NORM)
        scale = min(2.5, max(0.4, people / POPULATION_NORM))
        demo = station.code == stock.demo_station
        shelves = []
        for medicine in stock.medicines:
            profile = MEDICINE_PROFILES.get(medicine.code, DEFAULT_MEDICINE)
            shelf = _Shelf(station.code, medicine.code)
            shelf.minimum = medicine.minimum_stock or DEFAULT_MINIMUM
            shelf.pack = profile.pack
            shelf.monthly = shelf.minimum * profile.use * scale * rng.uniform(0.75, 1.3)
            wanted = max(ORDER_MONTHS * shelf.monthly, ORDER_MINIMUMS * shelf.minimum)
            shelf.target = math.ceil(wanted / profile.pack) * profile.pack
            shelf.threshold = max(profile.pack, shelf.target // 5)  # smaller orders wait for next month
            daily = shelf.monthly * 12 / 365
            means = [daily * factor for factor in stock.period_factors[medicine.code]]
            if means and min(means) > 8:
                # `_use`'s spread for large means, inlined: two draws for each of ~1.1 million periods nationally.
                draw = rng.random
                shelf.demand = [round(mean * (0.8 + 0.2 * (draw() + draw()))) for mean in means]
            else:
                shelf.demand = [_use(rng, mean) for mean in means]
            roll = rng.random()
            shelf.fate = OUT if roll < OUT_SHARE else SHORT if roll < OUT_SHARE + SHORT_SHARE else NORMAL
            if shelf.fate == SHORT and not medicine.minimum_stock:
                shelf.fate = NORMAL
            if demo:
                shelf.fate = stock.forced.get(medicine.code, NORMAL)
            shelf.keep = max(1, round(rng.uniform(0.2, 0.7) * shelf.minimum))
            shelf.partial = rng.uniform(0.1, 0.3)
            shelves.append(shelf)
        return shelves

    def run(self) -> RegionStock:
        events = sorted([*self.stock.events, *((day, TRANSFER) for day in self.transfers)])
        issue = 0
        for day, phase in events:
            if phase == ISSUE:
                self._issues(issue, day)
                issue += 1
            elif phase == RECEIPT:
                self._receipts(day)
            elif phase == TRANSFER:
                for sender, receiver, medicine in self.transfers[day]:
                    self._transfer(day, sender, receiver, medicine)
            elif phase == COUNT:
                self._count(day)
            elif phase == DISPOSAL:
                self._destroy_expired(day)
            else:
                self._opening(day)
        balances = [
            (shelf.unit, shelf.medicine, code, batch[0], batch[1], batch[2])
            for shelves in self.shelves.values()
            for shelf in shelves
            for code, batch in shelf.batches.items()
        ]
        return RegionStock(self.region.code, self.entries, balances)

    def _post(
        self,
        shelf: _Shelf,
        code: str,
        change: int,
        day: datetime.date,
        kind: str,
        reason: str,
        transfer: uuid.UUID | None = None,
        counterpart: str | None = None,
    ) -> None:
        batch = shelf.batches[code]
        # What stock._post enforces on every entry.
        assert change and batch[1] + change >= 0 and batch[2] <= day <= self.today, (shelf.unit, code, day)
        batch[1] += change
        batch[2] = day
        if not batch[1]:
            shelf.order.remove((batch[0], code))
        self.entries.append(
            (shelf.unit, shelf.medicine, code, batch[0], kind, change, day, reason, transfer, counterpart)
        )

    def _opening(self, day: datetime.date) -> None:
        stock = self.stock
        reason = OPENING_REASON.format(day=day)
        batches = {}
        for medicine in stock.medicines:
            rng = _rng(stock.seed, "opening", self.region.code, medicine.code)
            shelf_months = MEDICINE_PROFILES.get(medicine.code, DEFAULT_MEDICINE).shelf_months
            old = day + rng.randint(60, 420) * DAY
            if medicine.code == stock.expiring and stock.demo_station in self.shelves:
                old = self.today + rng.randint(25, 75) * DAY
            new = day + rng.randint(400, 800) * DAY
            batches[medicine.code] = [
                (stock.code(rng, medicine.code, add_months(expiry, -shelf_months)), expiry) for expiry in (old, new)
            ]
        for shelves in self.shelves.values():
            for shelf in shelves:
                (old_code, old_expiry), (new_code, new_expiry) = batches[shelf.medicine]
                old_quantity = max(1, round(shelf.target * OLD_SHARE))
                if shelf.unit == stock.demo_station and shelf.medicine == stock.expiring:
                    # Enough of the old batch that the year's use leaves some of it to expire.
                    old_quantity = sum(shelf.demand) + shelf.pack
                shelf.add_batch(old_code, old_expiry, day)
                self._post(shelf, old_code, old_quantity, day, StockKind.ADJUSTMENT, reason)
                if shelf.target > old_quantity:
                    shelf.add_batch(new_code, new_expiry, day)
                    self._post(shelf, new_code, shelf.target - old_quantity, day, StockKind.ADJUSTMENT, reason)

    def _receipts(self, day: datetime.date) -> None:
        stock = self.stock
        # Stock expiring before the horizon does not count: those batches come first in `order`.
        horizon = (day + USABLE_DAYS * DAY, "\uffff")
        late, partial = day in stock.late, day == stock.partial
        skipped = {OUT} if day in stock.missed else set()
        if late:
            skipped = {OUT, SHORT}
        month = day.replace(day=1)
        lots = {m.code: stock.delivery(self.province, m.code, month) for m in stock.medicines}
        for shelves in self.shelves.values():
            reason = RECEIPT_REASON.format(centre=self.region.name, number=f"{_pick(self.rng, 1, 999):03d}/{day:%m-%Y}")
            for shelf in shelves:
                if shelf.fate in skipped:
                    continue
                batches = shelf.batches
                usable = sum(batches[code][1] for _e, code in shelf.order[bisect.bisect_right(shelf.order, horizon) :])
                order = shelf.target - usable
                if order < shelf.threshold:
                    continue
                quantity = -(-order // shelf.pack) * shelf.pack
                why = reason
                if partial and shelf.fate == SHORT:
                    quantity, why = max(1, round(quantity * shelf.partial)), SHORT_REASON
                code, expiry = lots[shelf.medicine]
                shelf.add_batch(code, expiry, day)
                self._post(shelf, code, quantity, day, StockKind.RECEIPT, why)

    def _destroy_expired(self, day: datetime.date) -> None:
        before = day.replace(day=1) - DAY
        reason = DISPOSAL_REASON.format(quarter=(before.month - 1) // 3 + 1, year=before.year)
        for shelves in self.shelves.values():
            for shelf in shelves:
                for _expiry, code in list(shelf.order):
                    batch = shelf.batches[code]
                    if batch[0] < day and batch[1] > 0:
                        self._post(shelf, code, -batch[1], day, StockKind.ADJUSTMENT, reason)

    def _count(self, day: datetime.date) -> None:
        rng = self.rng
        quarter = (day.month - 1) // 3 + 1
        for shelves in self.shelves.values():
            if rng.random() >= COUNT_SHARE:
                continue
            for shelf in rng.sample(shelves, min(len(shelves), rng.randint(1, 2))):
                held = [(b[1], code) for code, b in shelf.batches.items() if b[1] >= 20 and b[0] >= day]
                if not held:
                    continue
                quantity, code = max(held)
                change = max(1, round(quantity * rng.uniform(0.005, 0.03)))
                less = rng.random() < 0.7
                reason = (COUNT_LESS_REASON if less else COUNT_MORE_REASON).format(quarter=quarter, year=day.year)
                self._post(shelf, code, -change if less else change, day, StockKind.ADJUSTMENT, reason)

    def _transfer(self, day: datetime.date, sender: str, receiver: str, medicine: str) -> None:
        source = next(s for s in self.shelves[sender] if s.medicine == medicine)
        target = next(s for s in self.shelves[receiver] if s.medicine == medicine)
        link = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        held = [(b[1], code) for code, b in source.batches.items() if b[1] > 0 and b[0] >= day + 90 * DAY]
        if not held:
            return
        quantity, code = max(held)
        quantity = min(quantity // 3, math.ceil(target.monthly / 2))
        if quantity < 1:
            return
        name = next(s.name for s in self.stations if s.code == receiver)
        reason = TRANSFER_REASON.format(station=name)
        self._post(source, code, -quantity, day, StockKind.TRANSFER_OUT, reason, link, receiver)
        target.add_batch(code, source.batches[code][0], day)
        self._post(target, code, quantity, day, StockKind.TRANSFER_IN, reason, link, sender)

    def _issues(self, period: int, day: datetime.date) -> None:
        reason = self.stock.issue_reasons[period]
        last = day == self.stock.last_issue
        append = self.entries.append
        for shelves in self.shelves.values():
            for shelf in shelves:
                want = shelf.demand[period]
                if last and shelf.fate != NORMAL:
                    # The last issue empties the shelf (out) or leaves it under the usual minimum (short).
                    available = shelf.unexpired(day)
                    want = max(want, available if shelf.fate == OUT else available - shelf.keep)
                if want <= 0:
                    continue
                emptied = 0
                for expiry, code in shelf.order:
                    if expiry < day:
                        continue
                    batch = shelf.batches[code]
                    take = min(batch[1], want)
                    batch[1] -= take
                    batch[2] = day
                    append((shelf.unit, shelf.medicine, code, expiry, StockKind.ISSUE, -take, day, reason, None, None))
                    want -= take
                    if want:
                        emptied += 1
                    else:
                        emptied += not batch[1]
                        break
                if emptied:
                    # First expiry first out: the emptied batches are the first unexpired ones.
                    shelf.order = [entry for entry in shelf.order if shelf.batches[entry[1]][1]]


# --- writing it ---

ITEM_FIELDS = (
    "id", "orgunit", "equipment_type", "serial_number", "model_name", "year_in_use", "funding_source", "condition",
    "last_maintained_on", "next_maintenance_on", "last_calibrated_on", "next_calibration_on", "warranty_until", "note",
    "delivered_by", "search_text",
)  # fmt: skip
MOVE_FIELDS = ("item", "orgunit", "to_unit", "moved_on", "reason", "moved_by")
PROPOSAL_FIELDS = (
    "id", "orgunit", "year", "title", "justification", "status", "reviewer_unit", "assessment", "created_by", "created",
)  # fmt: skip
LINE_FIELDS = (
    "id", "proposal", "equipment_type", "quantity", "unit_cost", "funding_source", "justification", "closes_gap",
    "delivered_quantity",
)  # fmt: skip
STEP_FIELDS = ("proposal", "orgunit", "action", "comment", "by", "at")
ENTRY_FIELDS = (
    "orgunit", "medicine", "batch", "expiry_date", "kind", "quantity", "occurred_on", "reason", "transfer",
    "counterpart", "created_by", "created_by_username", "source", "created",
)  # fmt: skip
BALANCE_FIELDS = ("orgunit", "medicine", "batch", "expiry_date", "quantity", "last_on")
ENTRY_CHUNK = 100_000
# The hour of the day each kind of entry is typed at (the ledger shows when an entry was made).
ENTRY_HOURS = {
    StockKind.RECEIPT: 9, StockKind.ISSUE: 16, StockKind.ADJUSTMENT: 15, StockKind.TRANSFER_OUT: 10,
    StockKind.TRANSFER_IN: 10,
}  # fmt: skip


def read_catalogue() -> tuple[CatalogueInfo, dict[str, int]] | None:
    """The current equipment catalogue (a managed table: it may differ from the shipped sample) and its type ids
    by code; None without a current version."""
    from ytcs.assets.models import EquipmentCatalogue

    catalogue = EquipmentCatalogue.objects.filter(is_current=True).first()
    if catalogue is None:
        return None
    types = list(catalogue.types.order_by("code"))
    norms: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for kind, code, quantity in catalogue.norms.order_by("unit_kind", "equipment_type__code").values_list(
        "unit_kind", "equipment_type__code", "quantity"
    ):
        norms[kind].append((code, quantity))
    info = CatalogueInfo(
        types={t.code: TypeInfo(t.code, t.name, t.maintenance_months, t.calibration_months) for t in types},
        norms={kind: tuple(rows) for kind, rows in norms.items()},
    )
    return info, {t.code: t.pk for t in types}


def read_medicines() -> tuple[list[MedicineInfo], dict[str, int]]:
    """The medicines of the current list and their ids by code (none without a current list)."""
    from ytcs.assets.models import Medicine

    rows = list(
        Medicine.objects.filter(medicine_list__is_current=True)
        .order_by("code")
        .values_list("code", "minimum_stock", "pk")
    )
    return [MedicineInfo(code, minimum) for code, minimum, _pk in rows], {code: pk for code, _m, pk in rows}


def equipment_counts(data: DemoEquipment, *, today: datetime.date) -> dict[str, int]:
    conditions = Counter(item.condition for item in data.items)
    overdue = sum(
        1
        for item in data.items
        if item.condition != Condition.RETIRED
        and any(due is not None and due < today for due in (item.next_maintenance_on, item.next_calibration_on))
    )
    counts = {
        "items": len(data.items) - conditions[Condition.RETIRED],
        "broken": conditions[Condition.BROKEN],
        "under_repair": conditions[Condition.UNDER_REPAIR],
        "retired": conditions[Condition.RETIRED],
        "overdue": overdue,
        "units_short": len(data.units_short),
        "moves": len(data.moves),
        "delivered_items": sum(1 for item in data.items if item.delivered_by),
        "proposals": len(data.proposals),
    }
    slots = Counter(p.slot for p in data.proposals)
    counts.update({f"proposals_{slot}": slots[slot] for slot in STATUS_OF_SLOT})
    return counts


def insert_assets(plan: DemoPlan, pks: dict[str, int], *, today: datetime.date) -> dict[str, int]:
    """Plan the equipment, proposals and stock ledger and write them as plain rows with given ids
    (`builder.insert_rows`), inside the loader's transaction: no audit entries, the running balances as the
    ledger leaves them. Returns what was loaded (`equipment_counts` and the stock figures)."""
    from django.db import connection

    from ytcs.accounts.models import User
    from ytcs.assessments.models import Assessment, AssessmentStatus
    from ytcs.assets.models import (
        EquipmentItem,
        EquipmentMove,
        InvestmentProposal,
        ProposalLine,
        ProposalStep,
        StockBalance,
        StockEntry,
    )
    from ytcs.core.demo.assessment_plan import QD1300
    from ytcs.core.demo.builder import analyze_tables, bulk_loading, insert_rows, reset_sequences
    from ytcs.core.text import fold

    tables = [EquipmentItem, EquipmentMove, InvestmentProposal, ProposalLine, ProposalStep, StockEntry, StockBalance]
    users = dict(User.objects.filter(username__in=[u.username for u in plan.users]).values_list("username", "id"))
    moment = connection.ops.adapt_datetimefield_value
    counts: dict[str, int] = {}
    found = read_catalogue()
    medicines, medicine_ids = read_medicines()
    with bulk_loading(tables), _without_indexes([StockEntry, StockBalance]), _collector_paused():
        if found is not None:
            catalogue, type_ids = found
            data = plan_equipment(plan, catalogue, today=today)
            verified = Assessment.objects.filter(framework__code=QD1300, status=AssessmentStatus.VERIFIED)
            cited = {(unit, year): pk for unit, year, pk in verified.values_list("orgunit_id", "year", "pk")}
            cost_field = ProposalLine._meta.get_field("unit_cost")
            proposal_ids = range(
                _first_free_id(InvestmentProposal), _first_free_id(InvestmentProposal) + len(data.proposals)
            )
            line_start = _first_free_id(ProposalLine)
            line_ids: list[list[int]] = []
            for proposal in data.proposals:
                line_ids.append(list(range(line_start, line_start + len(proposal.lines))))
                line_start += len(proposal.lines)
            insert_rows(
                InvestmentProposal,
                PROPOSAL_FIELDS,
                (
                    (
                        pk, pks[p.orgunit], p.year, p.title, p.justification, p.status,
                        pks[p.reviewer_unit] if p.reviewer_unit else None,
                        cited.get((pks[p.orgunit], p.year - 1)) if p.cites_assessment else None,
                        users.get(p.created_by), moment(p.created),
                    )
                    for pk, p in zip(proposal_ids, data.proposals, strict=True)
                ),
            )  # fmt: skip
            insert_rows(
                ProposalLine,
                LINE_FIELDS,
                (
                    (
                        line_pk, pk, type_ids[line.type], line.quantity,
                        cost_field.get_db_prep_save(line.unit_cost, connection), line.funding_source,
                        line.justification, line.closes_gap, line.delivered_quantity,
                    )
                    for pk, p, ids in zip(proposal_ids, data.proposals, line_ids, strict=True)
                    for line_pk, line in zip(ids, p.lines, strict=True)
                ),
            )  # fmt: skip
            insert_rows(
                ProposalStep,
                STEP_FIELDS,
                (
                    (pk, pks[step.orgunit], step.action, step.comment, users.get(step.by), moment(step.at))
                    for pk, p in zip(proposal_ids, data.proposals, strict=True)
                    for step in p.steps
                ),
            )
            names = {code: t.name for code, t in catalogue.types.items()}
            folded = functools.lru_cache(maxsize=None)(fold)

            def search_text(item: ItemSpec) -> str:
                # As services.item_search_text, folding each part once: a serial number is plain ASCII.
                serial = item.serial_number
                serial = serial.lower() if serial.isascii() and serial.isalnum() else fold(serial)
                parts = (folded(names[item.type]), folded(item.type), serial, folded(item.model_name))
                return " ".join(part for part in parts if part)

            item_start = _first_free_id(EquipmentItem)
            insert_rows(
                EquipmentItem,
                ITEM_FIELDS,
                (
                    (
                        pk, pks[i.orgunit], type_ids[i.type], i.serial_number, i.model_name, i.year_in_use,
                        i.funding_source, i.condition, i.last_maintained_on, i.next_maintenance_on,
                        i.last_calibrated_on, i.next_calibration_on, i.warranty_until, i.note,
                        line_ids[i.delivered_by[0]][i.delivered_by[1]] if i.delivered_by else None,
                        search_text(i),
                    )
                    for pk, i in enumerate(data.items, start=item_start)
                ),
            )  # fmt: skip
            insert_rows(
                EquipmentMove,
                MOVE_FIELDS,
                ((item_start + m.item, pks[m.orgunit], pks[m.to_unit], m.moved_on, m.reason, None) for m in data.moves),
            )
            counts.update(equipment_counts(data, today=today))
        figures = StockFigures()
        minimums = {m.code: m.minimum_stock for m in medicines}
        demo_station = _logins(plan).get("station_head")
        head = users.get("station_head")
        transfer_field = StockEntry._meta.get_field("transfer")
        created: dict[tuple[datetime.date, str], object] = {}

        def stamp(day: datetime.date, kind: str) -> object:
            value = created.get((day, kind))
            if value is None:
                at = datetime.datetime(day.year, day.month, day.day, ENTRY_HOURS[kind], 30, tzinfo=ZONE)
                value = created[day, kind] = moment(at)
            return value

        text = _DayText()
        rows: list[tuple] = []
        balances: list[tuple] = []
        for region in plan_stock(plan, medicines, today=today):
            figures.add(region, minimums, today)
            for unit, medicine, batch, expiry, kind, quantity, day, reason, link, counterpart in region.entries:
                mine = unit == demo_station and head is not None
                rows.append(
                    (
                        pks[unit], medicine_ids[medicine], batch, text[expiry], kind, quantity, text[day], reason,
                        transfer_field.get_db_prep_save(link, connection) if link else None,
                        pks[counterpart] if counterpart else None, head if mine else None,
                        "station_head" if mine else "", "ui" if mine else "command", stamp(day, kind),
                    )
                )  # fmt: skip
            balances.extend(
                (pks[unit], medicine_ids[medicine], batch, text[expiry], quantity, text[last])
                for unit, medicine, batch, expiry, quantity, last in region.balances
            )
            if len(rows) >= ENTRY_CHUNK:
                insert_rows(StockEntry, ENTRY_FIELDS, rows)
                rows.clear()
        insert_rows(StockEntry, ENTRY_FIELDS, rows)
        insert_rows(StockBalance, BALANCE_FIELDS, balances)
    reset_sequences(tables)
    analyze_tables(tables)
    counts.update(
        entries=figures.entries,
        transfers=figures.transfers,
        balances=figures.balances,
        stock_outs=figures.stock_outs,
        below_minimum=figures.below_minimum,
        expiring=figures.expiring,
    )
    return counts


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: planning allocates millions of short-lived tuples, and each of its full
    passes walks every object of the national plan (it doubled the time). The plan has no reference cycles to
    collect; reference counting frees it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _DayText(dict):
    """ISO text of each date, made once: the ledger repeats a few hundred dates over a million rows, and a date
    given as text skips the driver's per-value adapter."""

    def __missing__(self, day: datetime.date) -> str:
        text = self[day] = day.isoformat()
        return text


@contextmanager
def _without_indexes(models_: list[type]) -> Iterator[None]:
    """Drop the plain indexes of these tables for a bulk load and build them again at the end, inside the caller's
    transaction (DDL is transactional on SQLite and PostgreSQL: a failure brings them back with the rollback).
    One index build over a million sorted rows is several times cheaper than a million index insertions. Indexes
    behind primary keys and unique constraints stay: they are what the constraints check."""
    from django.db import connection

    quote = connection.ops.quote_name
    found: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            if connection.vendor == "sqlite":
                # Automatic indexes (primary key, UNIQUE) have no SQL of their own.
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
                    "ORDER BY name",
                    [table],
                )
            elif connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
                    [table, quote(table)],
                )
            else:
                continue
            found += cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in found:
            cursor.execute(definition)


def _first_free_id(model: type) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
