"""The demo's supervision year (giám sát, chỉ đạo và theo dõi thực hiện mẫu), for `ytcs load_demo`.

Planned in pure Python from the unit plan, the seed and the reference date (`today`), like the other demo plans:
the same inputs give the same visits, directives, updates, obstacles and notifications, down to every date. Draws
come from generators seeded with the plan's seed and a unit's code, so one region's year does not depend on the
others'. Every province gets the same treatment; the demo logins' one also gets their names on what they did.

- Visits, over the 365 days before `today`: each regional centre's team supervises two or three of its stations
  every quarter; the Department's director makes a working visit to a regional centre (and one of its stations)
  every month; one working session with the People's Council's committee. A few visits are planned in the coming
  weeks. Each visit carried out has its team (the lead unit's manager where the demo has one, named guests),
  surveyed areas and findings.
- Directives: one to three per visit carried out, to the units visited (to each regional centre after the
  session with the People's Council), with a category, a due date 30 to 120 days on and the evidence asked for.
  Their state follows their dates: most of those long past due are accepted, some wait for acceptance, some are
  overdue (open, in progress, or in progress again after a return); of those not yet due, some are open, some in
  progress, some done or already accepted. Each step is a `DirectiveUpdate` at its date, by the demo login when
  there is one.
- Obstacles and proposals: about one for every three stations, to the office each subject belongs to; old ones
  mostly resolved, some answered, recent ones sent.
- The demo station has, whatever the draw: a visit three weeks ago, an overdue directive, one due within the week,
  one returned, one waiting for acceptance, one accepted, an obstacle answered and a proposal just sent; its head,
  the regional manager and the province administrator have unread notifications.

`insert_supervision` writes plain rows (no audit entries: the trail starts with the first real change).
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ytcs.accounts.roles import Role
from ytcs.core.demo.plan import DemoPlan, UnitSpec
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnitKind
from ytcs.supervision.models import (
    Directive,
    DirectiveCategory,
    DirectiveStatus,
    DirectiveUpdate,
    Notification,
    NotificationKind,
    Obstacle,
    ObstacleAnswer,
    ObstacleKind,
    ObstacleStatus,
    SurveyArea,
    Visit,
    VisitKind,
    VisitStatus,
    VisitTeamMember,
    VisitUnit,
)

DAY = datetime.timedelta(days=1)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
S = DirectiveStatus

DIRECTIVES: dict[str, tuple[tuple[str, str], ...]] = {
    DirectiveCategory.CLINICAL_PROCEDURES: (
        ("Rà soát, cập nhật quy trình tiêm chủng an toàn", "Quy trình đã ban hành, biên bản rà soát"),
        ("Rà soát quy trình khám bệnh, chữa bệnh bảo hiểm y tế", "Quy trình đã ký, danh sách người được phổ biến"),
        ("Cập nhật hướng dẫn quản lý tăng huyết áp, đái tháo đường", "Bản hướng dẫn, sổ quản lý bệnh nhân"),
    ),
    DirectiveCategory.FIVE_S: (
        ("Áp dụng 5S tại kho thuốc và phòng tiêm", "Ảnh trước và sau, bảng tự đánh giá 5S"),
        ("Sắp xếp hồ sơ, sổ sách chuyên môn theo 5S", "Ảnh tủ hồ sơ, danh mục hồ sơ"),
    ),
    DirectiveCategory.TRAINING_PLAN: (
        ("Xây dựng kế hoạch đào tạo siêu âm cơ bản", "Kế hoạch đào tạo đã duyệt"),
        ("Cử nhân viên tham gia lớp đọc điện tim", "Quyết định cử đi học, giấy chứng nhận"),
    ),
    DirectiveCategory.EQUIPMENT_INVESTMENT: (
        ("Lập đề xuất đầu tư máy siêu âm", "Đề xuất đầu tư gửi Sở"),
        ("Đề xuất sửa chữa, thay thế tủ lạnh bảo quản vắc xin", "Đề xuất kèm biên bản kiểm tra thiết bị"),
    ),
    DirectiveCategory.MEDICAL_RECORDS: (
        ("Hoàn thiện hồ sơ sức khỏe điện tử của người dân", "Tỷ lệ hồ sơ được cập nhật trên phần mềm"),
        ("Triển khai bệnh án điện tử tại trạm", "Báo cáo số bệnh án điện tử đã lập"),
    ),
    DirectiveCategory.OTHER: (
        ("Gửi báo cáo thống kê đúng hạn", "Báo cáo tháng gửi đúng hạn trên hệ thống"),
        ("Bố trí bác sĩ khám bệnh tại trạm ít nhất hai buổi mỗi tuần", "Lịch trực, lịch khám đã niêm yết"),
    ),
}
FINDINGS = (
    "Quy trình tiêm chủng chưa cập nhật theo hướng dẫn mới.",
    "Kho thuốc sắp xếp chưa khoa học, còn thuốc gần hết hạn chưa tách riêng.",
    "Hồ sơ sức khỏe điện tử mới cập nhật khoảng một nửa số dân.",
    "Máy điện tim hỏng chưa được sửa; chưa có máy siêu âm.",
    "Sổ sách chuyên môn ghi chép đầy đủ, đúng quy định.",
    "Vệ sinh môi trường, phân loại chất thải y tế đạt yêu cầu.",
    "Trạm chưa có bác sĩ cơ hữu; bác sĩ tăng cường khám một buổi mỗi tuần.",
)
PROGRESS_NOTES = ("Đã họp trạm, phân công người thực hiện.", "Đang triển khai, dự kiến xong đúng hạn.")
DONE_NOTES = ("Đã hoàn thành, gửi kèm minh chứng.", "Đã thực hiện xong theo yêu cầu.")
RETURN_NOTES = ("Minh chứng chưa đủ, đề nghị bổ sung.", "Chưa có chữ ký của trưởng trạm, đề nghị hoàn thiện.")
OBSTACLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "personnel": (
        (ObstacleKind.OBSTACLE, "Thiếu bác sĩ cơ hữu", "Trạm chưa có bác sĩ cơ hữu, đề nghị Sở điều động hỗ trợ."),
        (ObstacleKind.PROPOSAL, "Đề nghị bổ sung hộ sinh", "Trạm chỉ có một hộ sinh, đề nghị tuyển thêm một người."),
    ),
    "medical_affairs": (
        (ObstacleKind.OBSTACLE, "Vướng mắc thanh toán bảo hiểm y tế", "Một số dịch vụ kỹ thuật bị từ chối thanh toán."),
        (ObstacleKind.PROPOSAL, "Đề nghị hướng dẫn khám sức khỏe định kỳ", "Đề nghị Sở ban hành hướng dẫn thống nhất."),
    ),
    "planning_finance": (
        (ObstacleKind.OBSTACLE, "Chưa có kinh phí sửa chữa trạm", "Mái trạm dột, chưa được bố trí kinh phí sửa chữa."),
        (ObstacleKind.PROPOSAL, "Đề nghị bổ sung kinh phí chi thường xuyên", "Kinh phí năm nay không đủ chi."),
    ),
    "pharmacy_equipment": (
        (ObstacleKind.OBSTACLE, "Thiếu thuốc điều trị tăng huyết áp", "Thuốc trong danh mục không được cung ứng đủ."),
        (ObstacleKind.PROPOSAL, "Đề nghị cấp máy điện tim", "Máy điện tim hỏng, sửa không được."),
    ),
    "office": (
        (ObstacleKind.OBSTACLE, "Đường truyền internet không ổn định", "Mất kết nối thường xuyên khi nhập số liệu."),
        (ObstacleKind.PROPOSAL, "Đề nghị cấp tài khoản phần mềm", "Đề nghị cấp thêm tài khoản cho nhân viên mới."),
    ),
}
ANSWERS = (
    "Sở đã ghi nhận, giao phòng chuyên môn xử lý và trả lời trong tháng.",
    "Sở đã đưa nội dung vào kế hoạch năm sau.",
    "Đề nghị đơn vị phối hợp với Trung tâm Y tế khu vực để giải quyết.",
)
TEAM_ROLES = ("Trưởng đoàn", "Thành viên", "Thư ký")


@dataclass
class PlannedUpdate:
    from_status: str
    to_status: str
    at: datetime.datetime
    note: str
    by: str | None


@dataclass
class PlannedDirective:
    issuer: str
    unit: str
    issued_on: datetime.date
    due_on: datetime.date
    category: str
    title: str
    evidence: str
    status: str
    updates: list[PlannedUpdate] = field(default_factory=list)
    issued_by: str | None = None
    source_text: str = ""


@dataclass
class PlannedVisit:
    lead: str
    kind: str
    title: str
    visited_on: datetime.date
    status: str
    units: list[str]
    team: list[tuple[str | None, str, str]]  # (username or None, name, role)
    areas: list[str]
    findings: str
    directives: list[PlannedDirective] = field(default_factory=list)
    created_by: str | None = None


@dataclass
class PlannedObstacle:
    unit: str
    kind: str
    subject: str
    body: str
    office: str
    sent_at: datetime.datetime
    status: str
    department: str = ""
    answers: list[tuple[datetime.datetime, str, str | None]] = field(default_factory=list)
    sent_by: str | None = None
    resolved_at: datetime.datetime | None = None
    resolved_by: str | None = None


@dataclass
class DemoSupervision:
    visits: list[PlannedVisit]
    obstacles: list[PlannedObstacle]
    # (username, kind, directive index in `directives()` or obstacle index, which of the two)
    notifications: list[tuple[str, str, str, int]]

    def directives(self) -> list[PlannedDirective]:
        return [d for v in self.visits for d in v.directives]


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A working-hours moment of a day, here."""
    return datetime.datetime.combine(day, datetime.time(7 + rng.randint(0, 9), rng.randint(0, 59)), ZONE)


class _Logins:
    """Which demo login acts for a unit (the manager of a region, the head of a station, the province's admin)."""

    def __init__(self, plan: DemoPlan) -> None:
        self.by_unit: dict[str, dict[str, str]] = defaultdict(dict)
        self.full_names: dict[str, str] = {}
        for user in plan.users:
            if user.role:
                self.by_unit[user.unit_code][user.role] = user.username
                self.full_names[user.username] = user.full_name

    def acting(self, unit: str, *roles: str) -> str | None:
        return next((self.by_unit[unit][r] for r in roles if r in self.by_unit.get(unit, {})), None)

    def issuer(self, unit: str) -> str | None:
        return self.acting(unit, Role.PROVINCE_ADMIN, Role.REGIONAL_MANAGER)

    def responsible(self, unit: str) -> str | None:
        return self.acting(unit, Role.STATION_HEAD, Role.REGIONAL_MANAGER, Role.PROVINCE_ADMIN)


def _open_on(spec: UnitSpec, day: datetime.date) -> bool:
    return (spec.opened_on is None or spec.opened_on <= day) and (spec.closed_on is None or spec.closed_on > day)


def _directive_state(
    d: PlannedDirective, rng: random.Random, today: datetime.date, logins: _Logins, forced: str | None = None
) -> None:
    """Decide a directive's state from its dates (or `forced`) and write the steps that led there."""
    past_due = d.due_on < today
    draw = rng.random()
    if forced is not None:
        state = forced
    elif past_due:
        state = (
            "accepted"
            if draw < 0.55
            else "awaiting"
            if draw < 0.7
            else "returned"
            if draw < 0.8
            else "in_progress"
            if draw < 0.9
            else "open"
        )
    else:
        state = "open" if draw < 0.35 else "in_progress" if draw < 0.7 else "awaiting" if draw < 0.85 else "accepted"
    age = (today - d.issued_on).days
    if state in ("accepted", "awaiting", "returned") and age < 6:
        state = "in_progress" if age >= 2 else "open"
    if state == "in_progress" and age < 2:
        state = "open"
    unit_user, issuer_user = logins.responsible(d.unit), logins.issuer(d.issuer)
    last = today - DAY

    def step(frm: str, to: str, day: datetime.date, note: str, by: str | None) -> None:
        # Steps keep their order even when the draws put two on one day (or past yesterday).
        at = _moment(max(min(day, last), d.issued_on), rng)
        if d.updates and at <= d.updates[-1].at:
            at = d.updates[-1].at + datetime.timedelta(minutes=30)
        d.updates.append(PlannedUpdate(frm, to, at, note, by))

    if state == "open":
        d.status = S.OPEN
        return
    start = d.issued_on + rng.randint(1, max(1, min(10, age // 3))) * DAY
    step(S.OPEN, S.IN_PROGRESS, start, rng.choice(PROGRESS_NOTES), unit_user)
    if state == "in_progress":
        d.status = S.IN_PROGRESS
        return
    span = max(2, (min(d.due_on, last) - start).days)
    done_on = start + rng.randint(1, span) * DAY
    if state == "returned":
        step(S.IN_PROGRESS, S.DONE, done_on, rng.choice(DONE_NOTES), unit_user)
        step(S.DONE, S.IN_PROGRESS, done_on + rng.randint(1, 5) * DAY, rng.choice(RETURN_NOTES), issuer_user)
        d.status = S.IN_PROGRESS
        return
    if state == "awaiting":
        done_on = max(start + DAY, today - rng.randint(1, 15) * DAY)
        step(S.IN_PROGRESS, S.DONE, done_on, rng.choice(DONE_NOTES), unit_user)
        d.status = S.DONE
        return
    done_on = min(done_on, today - 3 * DAY)
    step(S.IN_PROGRESS, S.DONE, done_on, rng.choice(DONE_NOTES), unit_user)
    step(S.DONE, S.ACCEPTED, done_on + rng.randint(1, 2) * DAY, "Đạt yêu cầu.", issuer_user)
    d.status = S.ACCEPTED


def _directive(
    rng: random.Random, issuer: str, unit: str, issued_on: datetime.date, logins: _Logins, category: str | None = None
) -> PlannedDirective:
    category = category or rng.choice(list(DIRECTIVES))
    title, evidence = rng.choice(DIRECTIVES[category])
    return PlannedDirective(
        issuer=issuer,
        unit=unit,
        issued_on=issued_on,
        due_on=issued_on + rng.choice((30, 45, 60, 90, 120)) * DAY,
        category=category,
        title=title,
        evidence=evidence,
        status=S.OPEN,
        issued_by=logins.issuer(issuer),
    )


def _visit(
    rng: random.Random,
    *,
    lead: str,
    kind: str,
    title: str,
    day: datetime.date,
    units: list[str],
    today: datetime.date,
    logins: _Logins,
    guest_names: list[str],
) -> PlannedVisit:
    done = day < today
    lead_user = logins.issuer(lead)
    team: list[tuple[str | None, str, str]] = []
    if lead_user:
        team.append((lead_user, logins.full_names[lead_user], TEAM_ROLES[0]))
    for n, name in enumerate(rng.sample(guest_names, 2)):
        team.append((None, name, TEAM_ROLES[0] if not team and n == 0 else TEAM_ROLES[1 + n % 2]))
    areas = sorted(rng.sample([SurveyArea.FACILITIES, SurveyArea.EQUIPMENT, SurveyArea.CLINICAL], rng.randint(1, 3)))
    findings = " ".join(rng.sample(FINDINGS, 2)) if done else ""
    return PlannedVisit(
        lead=lead,
        kind=kind,
        title=title,
        visited_on=day,
        status=VisitStatus.DONE if done else VisitStatus.PLANNED,
        units=units,
        team=team,
        areas=list(areas),
        findings=findings,
        created_by=lead_user,
    )


def plan_supervision(plan: DemoPlan, *, today: datetime.date) -> DemoSupervision:
    """The supervision year of every province of the plan (see the module)."""
    from ytcs.core.demo import names

    logins = _Logins(plan)
    children: dict[str, list[UnitSpec]] = defaultdict(list)
    for spec in plan.units:
        if spec.parent_code:
            children[spec.parent_code].append(spec)
    provinces = [spec for spec in plan.units if spec.kind == OrgUnitKind.PROVINCE]
    demo_station = next((u.unit_code for u in plan.users if u.role == Role.STATION_HEAD), None)
    visits: list[PlannedVisit] = []
    obstacles: list[PlannedObstacle] = []
    start = today - 365 * DAY
    for province in provinces:
        rng = random.Random(f"{plan.seed}-supervision-{province.code}")
        guests = [names.person_name(rng) for _ in range(12)]
        regions = [c for c in children[province.code] if c.kind == OrgUnitKind.REGIONAL_CENTRE and _open_on(c, today)]
        # The Department: a working visit to a regional centre (and one of its stations) each month.
        for month in range(12):
            if not regions:
                break
            day = start + (month * 30 + rng.randint(3, 25)) * DAY
            region = regions[month % len(regions)]
            stations = [s.code for s in children[region.code] if s.kind == OrgUnitKind.STATION and _open_on(s, day)]
            units = [region.code, *rng.sample(stations, min(1, len(stations)))]
            visit = _visit(
                rng,
                lead=province.code,
                kind=VisitKind.WORKING,
                title=f"Làm việc với {region.name}",
                day=day,
                units=units,
                today=today,
                logins=logins,
                guest_names=guests,
            )
            visits.append(visit)
        # The session with the People's Council's committee: directives to every regional centre.
        session_day = start + rng.randint(60, 200) * DAY
        session = _visit(
            rng,
            lead=province.code,
            kind=VisitKind.MEETING,
            title="Làm việc với Ban Văn hóa - Xã hội HĐND tỉnh",
            day=session_day,
            units=[],
            today=today,
            logins=logins,
            guest_names=guests,
        )
        session.findings = (
            "Ban đề nghị Sở chỉ đạo các đơn vị nâng tỷ lệ hồ sơ sức khỏe điện tử và tăng bác sĩ tại trạm."
        )
        visits.append(session)
        for region in regions:
            session.directives.append(
                _directive(
                    rng, province.code, region.code, session_day + DAY, logins, DirectiveCategory.MEDICAL_RECORDS
                )
            )
        # Regional teams: two or three stations every quarter.
        for region in regions:
            region_rng = random.Random(f"{plan.seed}-supervision-{region.code}")
            for quarter in range(4):
                day = start + (quarter * 91 + region_rng.randint(5, 80)) * DAY
                stations = [s.code for s in children[region.code] if s.kind == OrgUnitKind.STATION and _open_on(s, day)]
                if not stations:
                    continue
                units = sorted(region_rng.sample(stations, min(len(stations), region_rng.randint(2, 3))))
                visits.append(
                    _visit(
                        region_rng,
                        lead=region.code,
                        kind=VisitKind.SUPERVISION,
                        title=f"Giám sát hỗ trợ chuyên môn quý {quarter + 1}",
                        day=day,
                        units=units,
                        today=today,
                        logins=logins,
                        guest_names=guests,
                    )
                )
            stations = [s.code for s in children[region.code] if s.kind == OrgUnitKind.STATION and _open_on(s, today)]
            if stations:
                visits.append(
                    _visit(
                        region_rng,
                        lead=region.code,
                        kind=VisitKind.SUPERVISION,
                        title="Giám sát tiêm chủng mở rộng",
                        day=today + region_rng.randint(5, 40) * DAY,
                        units=region_rng.sample(stations, 1),
                        today=today,
                        logins=logins,
                        guest_names=guests,
                    )
                )
            # Obstacles: about one for every three stations, over the year.
            for station in stations:
                if region_rng.random() > 0.34:
                    continue
                obstacles.append(_obstacle(region_rng, station, province.code, today, logins))
    # Directives from visits carried out (the session's are already there).
    for visit in visits:
        if visit.status != VisitStatus.DONE or visit.kind == VisitKind.MEETING:
            continue
        vrng = random.Random(f"{plan.seed}-directives-{visit.lead}-{visit.visited_on.isoformat()}")
        for unit in visit.units:
            if unit == visit.lead:
                continue
            for _ in range(vrng.randint(1, 2)):
                visit.directives.append(
                    _directive(vrng, visit.lead, unit, min(visit.visited_on + vrng.randint(0, 3) * DAY, today), logins)
                )
    for visit in visits:
        drng = random.Random(f"{plan.seed}-states-{visit.lead}-{visit.visited_on.isoformat()}")
        for directive in visit.directives:
            _directive_state(directive, drng, today, logins)
    if demo_station:
        _demo_station(plan, visits, obstacles, demo_station, today, logins)
    notifications = _notifications(visits, obstacles, logins)
    return DemoSupervision(visits=visits, obstacles=obstacles, notifications=notifications)


def _obstacle(rng: random.Random, unit: str, province: str, today: datetime.date, logins: _Logins) -> PlannedObstacle:
    office = rng.choice(list(OBSTACLES))
    kind, subject, body = rng.choice(OBSTACLES[office])
    sent = today - rng.randint(1, 360) * DAY
    answerer = logins.acting(province, Role.PROVINCE_ADMIN)
    item = PlannedObstacle(
        unit=unit,
        kind=kind,
        subject=subject,
        body=body,
        office=office,
        sent_at=_moment(sent, rng),
        status=ObstacleStatus.SENT,
        sent_by=logins.responsible(unit),
        department=province,
    )
    age = (today - sent).days
    if age > 20 and rng.random() < 0.85:
        answered = min(sent + rng.randint(2, 10) * DAY, today - DAY)
        item.answers.append((_moment(answered, rng), rng.choice(ANSWERS), answerer))
        item.status = ObstacleStatus.ANSWERED
        if age > 45 and rng.random() < 0.7:
            resolved = min(answered + rng.randint(5, 30) * DAY, today - DAY)
            item.status, item.resolved_at, item.resolved_by = ObstacleStatus.RESOLVED, _moment(resolved, rng), None
    return item


def _demo_station(
    plan: DemoPlan,
    visits: list[PlannedVisit],
    obstacles: list[PlannedObstacle],
    station: str,
    today: datetime.date,
    logins: _Logins,
) -> None:
    """What the demo station shows whatever the draw (see the module)."""
    from ytcs.core.demo import names

    parent = next(spec.parent_code for spec in plan.units if spec.code == station)
    rng = random.Random(f"{plan.seed}-supervision-demo-{station}")
    visit = _visit(
        rng,
        lead=parent,
        kind=VisitKind.SUPERVISION,
        title="Giám sát hỗ trợ chuyên môn đột xuất",
        day=today - 21 * DAY,
        units=[station],
        today=today,
        logins=logins,
        guest_names=[names.person_name(rng) for _ in range(4)],
    )
    wanted = (
        (DirectiveCategory.MEDICAL_RECORDS, today - 20 * DAY, today - 4 * DAY, "in_progress"),  # overdue
        (DirectiveCategory.FIVE_S, today - 20 * DAY, today + 5 * DAY, "open"),  # due within the week
        (DirectiveCategory.CLINICAL_PROCEDURES, today - 20 * DAY, today + 25 * DAY, "returned"),
        (DirectiveCategory.EQUIPMENT_INVESTMENT, today - 20 * DAY, today + 40 * DAY, "awaiting"),
        (DirectiveCategory.TRAINING_PLAN, today - 20 * DAY, today + 60 * DAY, "accepted"),
    )
    for category, issued_on, due_on, state in wanted:
        directive = _directive(rng, parent, station, issued_on, logins, category)
        directive.due_on = due_on
        _directive_state(directive, rng, today, logins, forced=state)
        visit.directives.append(directive)
    visits.append(visit)
    province = next(spec.parent_code for spec in plan.units if spec.code == parent)
    office = "personnel"
    kind, subject, body = OBSTACLES[office][0]
    obstacles.append(
        PlannedObstacle(
            unit=station,
            kind=kind,
            subject=subject,
            body=body,
            office=office,
            sent_at=_moment(today - 30 * DAY, rng),
            status=ObstacleStatus.ANSWERED,
            answers=[(_moment(today - 25 * DAY, rng), ANSWERS[0], logins.acting(province, Role.PROVINCE_ADMIN))],
            sent_by=logins.responsible(station),
            department=province,
        )
    )
    kind, subject, body = OBSTACLES["pharmacy_equipment"][1]
    obstacles.append(
        PlannedObstacle(
            unit=station,
            kind=kind,
            subject=subject,
            body=body,
            office="pharmacy_equipment",
            sent_at=_moment(today - 3 * DAY, rng),
            status=ObstacleStatus.SENT,
            sent_by=logins.responsible(station),
            department=province,
        )
    )


def _notifications(
    visits: list[PlannedVisit], obstacles: list[PlannedObstacle], logins: _Logins
) -> list[tuple[str, str, str, int]]:
    """Unread notifications of the demo logins: new and returned directives for the station head and the region,
    directives to accept for their issuers, new obstacles for the province administrator."""
    found: list[tuple[str, str, str, int]] = []
    directives = [d for v in visits for d in v.directives]
    for index, d in enumerate(directives):
        unit_user, issuer_user = logins.responsible(d.unit), logins.issuer(d.issuer)
        if d.status == S.OPEN and unit_user:
            found.append((unit_user, NotificationKind.DIRECTIVE_ISSUED, "directive", index))
        if d.status == S.DONE and issuer_user:
            found.append((issuer_user, NotificationKind.DIRECTIVE_DONE, "directive", index))
        if d.updates and d.updates[-1].from_status == S.DONE and d.status == S.IN_PROGRESS and unit_user:
            found.append((unit_user, NotificationKind.DIRECTIVE_RETURNED, "directive", index))
    for index, o in enumerate(obstacles):
        admin = logins.acting(o.department, Role.PROVINCE_ADMIN)
        if admin and o.status == ObstacleStatus.SENT:
            found.append((admin, NotificationKind.OBSTACLE_SENT, "obstacle", index))
    return found


def supervision_counts(data: DemoSupervision) -> dict[str, int]:
    directives = data.directives()
    statuses = Counter(d.status for d in directives)
    return {
        "visits": sum(1 for v in data.visits if v.status == VisitStatus.DONE),
        "visits_planned": sum(1 for v in data.visits if v.status == VisitStatus.PLANNED),
        "directives": len(directives),
        **{f"directives_{status}": statuses.get(status, 0) for status in S.values},
        "obstacles": len(data.obstacles),
        "notifications": len(data.notifications),
    }


# The indicator a directive of each category should move, where the shipped catalogue has one.
CATEGORY_INDICATORS = {"medical_records": "SKDT_PCT", "training_plan": "TYT_SIEU_AM"}


def link_the_loop(directives: list[Directive]) -> int:
    """Link the directives to what they asked for, as a unit following them would: a directive to propose equipment
    to its unit's investment proposal made on or after it was issued, one to build a training plan to the plan of
    the unit or the nearest unit above it for that year, and one about electronic records or training to the
    indicator it should move. Runs after the training, equipment and routine data steps; returns the links made."""
    from ytcs.assets.models import InvestmentProposal
    from ytcs.indicators.models import Indicator
    from ytcs.orgunits.models import OrgUnit
    from ytcs.training.models import TrainingPlan

    units = {d.orgunit_id for d in directives}
    paths = dict(OrgUnit.objects.filter(pk__in=units).values_list("pk", "path"))
    proposals: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for unit, created, pk in InvestmentProposal.objects.filter(orgunit_id__in=units).values_list(
        "orgunit_id", "created", "pk"
    ):
        proposals[unit].append((created.date(), pk))
    plans = {
        (path, year): pk
        for path, year, pk in TrainingPlan.objects.order_by("pk").values_list("orgunit__path", "year", "pk")
    }
    indicators = dict(Indicator.objects.filter(code__in=CATEGORY_INDICATORS.values()).values_list("code", "pk"))
    changed = []
    for d in directives:
        if d.category == "equipment_investment":
            made = sorted(p for p in proposals.get(d.orgunit_id, []) if p[0] >= d.issued_on)
            d.investment_proposal_id = made[0][1] if made else None
        elif d.category == "training_plan":
            path = paths[d.orgunit_id]
            # The nearest planning unit above: the longest path prefix with a plan for that year.
            found = [(len(p), pk) for (p, year), pk in plans.items() if year == d.due_on.year and path.startswith(p)]
            d.training_plan_id = max(found)[1] if found else None
        d.indicator_id = indicators.get(CATEGORY_INDICATORS.get(d.category, ""))
        if d.investment_proposal_id or d.training_plan_id or d.indicator_id:
            changed.append(d)
    Directive.objects.bulk_update(changed, ["investment_proposal", "training_plan", "indicator"])
    return len(changed)


def insert_supervision(plan: DemoPlan, pks: dict[str, int], *, today: datetime.date) -> dict[str, int]:
    """Plan the supervision year and write it (visits, their units and team, directives and their steps,
    obstacles and their answers, notifications); returns what was written (`supervision_counts`)."""
    from ytcs.accounts.models import User
    from ytcs.supervision.recipients import directive_params, directive_url, obstacle_url

    data = plan_supervision(plan, today=today)
    users = dict(User.objects.filter(username__in=[u.username for u in plan.users]).values_list("username", "pk"))
    created_at = datetime.datetime.combine(today, datetime.time(7), ZONE)

    visits = Visit.objects.bulk_create(
        Visit(
            orgunit_id=pks[v.lead],
            kind=v.kind,
            title=v.title,
            visited_on=v.visited_on,
            status=v.status,
            areas=v.areas,
            findings=v.findings,
            created_by_id=users.get(v.created_by),
            created=datetime.datetime.combine(v.visited_on, datetime.time(7), ZONE)
            if v.status == "done"
            else created_at,
            search_text=fold(f"{v.title} {v.findings[:300]}"),
        )
        for v in data.visits
    )
    VisitUnit.objects.bulk_create(
        VisitUnit(visit=row, orgunit_id=pks[code])
        for row, v in zip(visits, data.visits, strict=True)
        for code in v.units
    )
    VisitTeamMember.objects.bulk_create(
        VisitTeamMember(visit=row, user_id=users.get(username) if username else None, name=name, role=role)
        for row, v in zip(visits, data.visits, strict=True)
        for username, name, role in v.team
    )
    planned = [(row, d) for row, v in zip(visits, data.visits, strict=True) for d in v.directives]
    directives = Directive.objects.bulk_create(
        Directive(
            visit=row,
            source_text=d.source_text,
            issuer_unit_id=pks[d.issuer],
            issued_by_id=users.get(d.issued_by),
            issued_on=d.issued_on,
            orgunit_id=pks[d.unit],
            title=d.title,
            category=d.category,
            due_on=d.due_on,
            evidence_required=d.evidence,
            status=d.status,
            accepted_by_id=users.get(d.updates[-1].by) if d.status == S.ACCEPTED else None,
            accepted_at=d.updates[-1].at if d.status == S.ACCEPTED else None,
            created=datetime.datetime.combine(d.issued_on, datetime.time(8), ZONE),
            search_text=fold(d.title),
        )
        for row, d in planned
    )
    link_the_loop(directives)
    DirectiveUpdate.objects.bulk_create(
        DirectiveUpdate(
            directive=row, from_status=u.from_status, to_status=u.to_status, note=u.note, by_id=users.get(u.by), at=u.at
        )
        for row, (_visit_row, d) in zip(directives, planned, strict=True)
        for u in d.updates
    )
    obstacles = Obstacle.objects.bulk_create(
        Obstacle(
            orgunit_id=pks[o.unit],
            kind=o.kind,
            subject=o.subject,
            body=o.body,
            office=o.office,
            status=o.status,
            sent_by_id=users.get(o.sent_by),
            sent_at=o.sent_at,
            resolved_at=o.resolved_at,
            resolved_by_id=users.get(o.resolved_by),
            search_text=fold(f"{o.subject} {o.body[:300]}"),
        )
        for o in data.obstacles
    )
    ObstacleAnswer.objects.bulk_create(
        ObstacleAnswer(obstacle=row, body=body, by_id=users.get(by), at=at)
        for row, o in zip(obstacles, data.obstacles, strict=True)
        for at, body, by in o.answers
    )
    notes = []
    for username, kind, target, index in data.notifications:
        if username not in users:
            continue
        if target == "directive":
            row = directives[index]
            notes.append(
                Notification(
                    user_id=users[username],
                    kind=kind,
                    params=directive_params(row),
                    link=directive_url(row),
                    directive=row,
                    created=created_at,
                )
            )
        else:
            row = obstacles[index]
            notes.append(
                Notification(
                    user_id=users[username],
                    kind=kind,
                    params={"unit": row.orgunit.name, "title": row.subject},
                    link=obstacle_url(row),
                    obstacle=row,
                    created=created_at,
                )
            )
    Notification.objects.bulk_create(notes)
    return supervision_counts(data)
