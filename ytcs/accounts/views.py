"""Login pages and user management (province administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ytcs.accounts import services
from ytcs.accounts.forms import LoginForm, PasswordSetForm, RoleAssignForm, UserCreateForm, UserEditForm
from ytcs.accounts.models import RoleAssignment
from ytcs.accounts.roles import MANAGE_USERS
from ytcs.accounts.selectors import role_get, role_list, user_get, user_list
from ytcs.core.forms import call_service
from ytcs.core.pages import paginate, query_without_page, render_page
from ytcs.core.querysets import may_anywhere
from ytcs.core.selectors import audit_for_objects


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _require_manager(request) -> None:
    if not may_anywhere(request.user, MANAGE_USERS):
        raise PermissionDenied(_("Only administrators manage users."))


@login_required
def user_list_view(request):
    _require_manager(request)
    q = request.GET.get("q", "")
    page = paginate(request, user_list(user=request.user, filters={"q": q}))
    context = {"page": page, "q": q, "query": query_without_page(request)}
    return render_page(request, "accounts/user_list.html", "accounts/partials/user_table.html", context)


@login_required
def user_create_view(request):
    _require_manager(request)
    form = UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account = call_service(form, lambda: services.user_create(user=request.user, **form.cleaned_data))
        if account is not None:
            messages.success(request, _("Account %(username)s was created. Now give it a role.") % form.cleaned_data)
            return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form, "account": None})


@login_required
def user_detail_view(request, pk: int):
    _require_manager(request)
    account = user_get(user=request.user, pk=pk)
    roles = role_list(user=request.user, account=account)
    history = audit_for_objects(user=request.user, objects=[account, *roles])[:50]
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "roles": roles,
            "role_form": RoleAssignForm(user=request.user),
            "password_form": PasswordSetForm(),
            "history": history,
        },
    )


@login_required
def user_edit_view(request, pk: int):
    _require_manager(request)
    account = user_get(user=request.user, pk=pk)
    form = UserEditForm(request.POST or None, instance=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        done = call_service(form, lambda: services.user_update(user=request.user, account=account, **changes))
        if done is not None:
            messages.success(request, _("Account %(username)s was saved.") % {"username": account.username})
            return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


@login_required
@require_POST
def user_password_view(request, pk: int):
    _require_manager(request)
    account = user_get(user=request.user, pk=pk)
    form = PasswordSetForm(request.POST)
    if form.is_valid():
        done = call_service(
            form,
            lambda: services.user_set_password(
                user=request.user, account=account, password=form.cleaned_data["password"]
            ),
        )
        if done is not None:
            messages.success(request, _("The new password was set."))
            return redirect("accounts:user_detail", pk=account.pk)
    for error in form.errors.get("password", []) + form.non_field_errors():
        messages.error(request, error)
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def role_assign_view(request, pk: int):
    _require_manager(request)
    account = user_get(user=request.user, pk=pk)
    form = RoleAssignForm(request.POST, user=request.user)
    if form.is_valid():
        done = call_service(form, lambda: services.role_assign(user=request.user, account=account, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("The role was given."))
            return redirect("accounts:user_detail", pk=account.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def role_revoke_view(request, pk: int, role_pk: int):
    _require_manager(request)
    account = user_get(user=request.user, pk=pk)
    assignment: RoleAssignment = role_get(user=request.user, account=account, pk=role_pk)
    try:
        services.role_revoke(user=request.user, assignment=assignment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The role was removed."))
    return redirect("accounts:user_detail", pk=account.pk)
