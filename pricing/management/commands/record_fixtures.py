"""python manage.py record_fixtures [--provider SLUG ...] [--out DIR]

With the team's real keys in the environment, asks each provider exactly what a poll asks (the
adapter's own ``fetch``) and saves the raw answers as fixtures, keys and account ids scrubbed, under
``tests/fixtures/recorded/<provider>/`` (see pricing/recording.py). Providers without a key are
skipped (Modal has no API). Nothing is stored in the database. Review the files before committing
them: scrubbing covers the key and fields named like account/user/owner/email/team ids, not every
conceivable identifier.

tests/pricing/test_recorded_fixtures.py replays every recording found there.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pricing.providers.base import ProviderError
from pricing.providers.http import build_client, provider_key
from pricing.providers.registry import PROVIDERS, uses_live_api
from pricing.recording import RecordingTransport, save

DEFAULT_OUT = Path(settings.BASE_DIR) / "tests" / "fixtures" / "recorded"


class Command(BaseCommand):
    help = "Record each provider's raw API answers (keys scrubbed) as test fixtures."
    # Tests pass a transport standing in for the internet.
    stealth_options = ("transport",)

    def add_arguments(self, parser):
        parser.add_argument("--provider", action="append", dest="providers", metavar="SLUG",
                            help=f"record only this provider (repeatable): {', '.join(PROVIDERS)}")
        parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"folder for the recordings (default {DEFAULT_OUT})")

    def handle(self, *args, providers=None, out=None, transport=None, **options):
        slugs = providers or list(PROVIDERS)
        unknown = [s for s in slugs if s not in PROVIDERS]
        if unknown:
            raise CommandError(f"unknown provider {', '.join(unknown)}; known: {', '.join(PROVIDERS)}")
        secrets = [provider_key(conf)[1] for conf in settings.PROVIDER_SETTINGS.values()]
        recorded = 0
        for slug in slugs:
            conf = settings.PROVIDER_SETTINGS.get(slug, {})
            if not conf.get("key_env") or not uses_live_api(slug):
                self.stdout.write(f"{slug:<10} skipped   no API key set (or no API)")
                continue
            recorder = RecordingTransport(inner=transport) if transport is not None else RecordingTransport()
            try:
                result = PROVIDERS[slug].fetch(build_client(slug, transport=recorder))
                status = f"ok        offers={len(result.offers)}"
            except ProviderError as exc:
                status = f"error     {exc}"  # the error answer is worth keeping as a fixture too
            if not recorder.exchanges:
                self.stdout.write(f"{slug:<10} nothing recorded  {status}")
                continue
            path = save(slug, recorder.exchanges, Path(out), secrets=secrets)
            recorded += 1
            self.stdout.write(f"{slug:<10} {status}  {len(recorder.exchanges)} answers -> {path.parent}")
        if not recorded:
            self.stdout.write("nothing recorded: set the providers' API keys (see README) and run again")
