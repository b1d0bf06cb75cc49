from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ytcs.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models import fields

        from ytcs.core import audit

        audit.connect_signals()
        # Django's blank choice ("- Select an option -") has no Vietnamese translation: use our own label.
        fields.BLANK_CHOICE_LABEL = _("— Choose —")
