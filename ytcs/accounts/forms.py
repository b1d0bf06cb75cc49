"""Forms of the login and user-management pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ytcs.accounts.models import User
from ytcs.accounts.roles import Role
from ytcs.accounts.selectors import manageable_units
from ytcs.accounts.throttling import clear, client_address, is_locked, record_failure
from ytcs.orgunits.forms import ParentChoiceField
from ytcs.orgunits.models import OrgUnit


class LoginForm(AuthenticationForm):
    """The login form, refusing further tries for a while after repeated wrong passwords."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts. Wait %(minutes)d minutes and try again."),
    }

    def clean(self):
        username = self.data.get("username", "")
        address = client_address(self.request)
        if is_locked(username=username, address=address):
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.YTCS_LOGIN_LOCKOUT_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failure(username=username, address=address)
            raise
        clear(username=username, address=address)
        return cleaned


class _UnitChoiceMixin:
    def _restrict_units(self, user) -> None:
        for name in ("home_unit", "orgunit"):
            if name in self.fields:
                self.fields[name].queryset = manageable_units(user=user)


class UserCreateForm(_UnitChoiceMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    home_unit = ParentChoiceField(label=_("Work unit"), queryset=OrgUnit.objects.none())
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput(render_value=True))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._restrict_units(user)


class UserEditForm(_UnitChoiceMixin, forms.ModelForm):
    home_unit = ParentChoiceField(label=_("Work unit"), queryset=OrgUnit.objects.none())

    class Meta:
        model = User
        fields = ["full_name", "email", "home_unit", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._restrict_units(user)

    def _post_clean(self):
        # Validation and saving happen in the service.
        pass


class PasswordSetForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


class RoleAssignForm(_UnitChoiceMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    orgunit = ParentChoiceField(label=_("On unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._restrict_units(user)
