"""The demo logins as they stand in the database (tài khoản dùng thử), for `ytcs demo_logins`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ytcs.accounts.models import User
from ytcs.core.demo.plan import DEMO_LOGINS


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    unit: str


def demo_login_list() -> list[DemoLogin]:
    """One line per demo user and role, in the documented order; users deleted since the load are left out."""
    order = [username for username, _, _ in DEMO_LOGINS]
    users = {
        user.username: user
        for user in User.objects.filter(username__in=order)
        .select_related("home_unit")
        .prefetch_related("role_assignments__orgunit")
    }
    rows: list[DemoLogin] = []
    for username in order:
        user = users.get(username)
        if user is None:
            continue
        if user.is_superuser:
            unit = user.home_unit.name if user.home_unit_id else ""
            rows.append(DemoLogin(username, user.full_name, _("Superuser (all units)"), unit))
        rows.extend(
            DemoLogin(username, user.full_name, assignment.get_role_display(), assignment.orgunit.name)
            for assignment in user.role_assignments.all()
        )
    return rows


def demo_password_matches(password: str) -> bool | None:
    """Whether the demo users still have this password (None: there are none); one hash, so it is cheap."""
    user = User.objects.filter(username__in=[u for u, _, _ in DEMO_LOGINS]).order_by("pk").first()
    return None if user is None else user.check_password(password)
