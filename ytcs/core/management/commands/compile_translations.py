from django.conf import settings
from django.core.management.base import BaseCommand

from ytcs.core.i18n import compile_translations


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po to .mo (pure Python; no gettext tools needed)."

    def handle(self, *args, **options):
        for locale_dir in settings.LOCALE_PATHS:
            for path in compile_translations(locale_dir):
                self.stdout.write(f"compiled {path}")
