"""Navigation shown on every page: only sections that exist and that the user may use."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ytcs.accounts.roles import MANAGE_USERS
from ytcs.core.querysets import may_anywhere


def _notification_bell() -> str:
    """The bell of the user's in-app notifications. Its unread count is fetched by htmx once the page has loaded,
    so that rendering a page costs no query for it (the pages' query budgets stay as they are)."""
    try:
        count_url = reverse("supervision:notification_count")
    except NoReverseMatch:  # the supervision pages are not installed
        return "🔔"
    return format_html('<span hx-get="{}" hx-trigger="load" hx-swap="innerHTML">🔔</span>', count_url)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        ("core:home", _("Overview")),
        ("orgunits:list", _("Org units")),
        ("workforce:staff_list", _("Workforce")),
        ("workforce_indicators:overview", _("Workforce indicators")),
        ("training:plan_list", _("Training")),
        ("assessments:assessment_list", _("Assessments")),
        ("indicators:dashboard", _("Indicators")),
        ("indicators:entry", _("Data entry")),
        ("assets:home", _("Equipment and medicines")),
        ("supervision:directive_list", _("Supervision")),
    ]
    if may_anywhere(user, MANAGE_USERS):
        items.append(("accounts:user_list", _("Users")))
    items.append(("supervision:notification_list", _notification_bell()))
    current = request.resolver_match.view_name if request.resolver_match else ""
    app = current.split(":")[0] if current else ""
    nav_items = []
    for name, label in items:
        try:
            url = reverse(name)
        except NoReverseMatch:  # a section whose pages have not landed yet
            continue
        nav_items.append({"url": url, "label": label, "name": name, "active": False})
    # The entry whose view the page is (or whose pages it belongs to, "indicators:entry_form" → "indicators:entry");
    # otherwise the first entry of the page's app, so one section is marked, never two.
    exact = [i for i in nav_items if current == i["name"] or current.startswith(i["name"] + "_")]
    same_app = [i for i in nav_items if app and app != "core" and i["name"].split(":")[0] == app]
    for item in (exact or same_app)[:1]:
        item["active"] = True
    return {"nav_items": nav_items}
