"""python manage.py refresh_prices [--provider SLUG ...] [--accept-suspect]

Polls providers synchronously with the same code the Celery tasks run, prints one line per
provider, and exits non-zero when any provider failed or was held back as suspect (after recording
all of them).

``--accept-suspect`` polls nothing: it accepts each provider's latest poll when that poll was held
back as suspect (pricing.poll_checks), so its prices become current. Use it after checking that the
change is real (a price rise, a GPU type a provider stopped selling)."""

from django.core.management.base import BaseCommand, CommandError

from pricing import services
from pricing.providers.registry import PROVIDERS


class Command(BaseCommand):
    help = "Poll GPU providers now and store their prices."

    def add_arguments(self, parser):
        parser.add_argument("--provider", action="append", dest="providers", metavar="SLUG",
                            help=f"poll only this provider (repeatable): {', '.join(PROVIDERS)}")
        parser.add_argument("--accept-suspect", action="store_true",
                            help="poll nothing; accept each provider's latest poll that was held back as suspect")

    def handle(self, *args, providers=None, accept_suspect=False, **options):
        slugs = providers or list(PROVIDERS)
        unknown = [s for s in slugs if s not in PROVIDERS]
        if unknown:
            raise CommandError(f"unknown provider {', '.join(unknown)}; known: {', '.join(PROVIDERS)}")
        if accept_suspect:
            return self._accept(slugs)
        services.gpu_catalog_sync()
        failed = []
        for slug in slugs:
            try:
                run = services.poll_provider(slug)
            except Exception as exc:  # e.g. the database went away: still try the other providers
                failed.append(slug)
                self.stdout.write(f"{slug:<10} failed   could not record the poll ({type(exc).__name__})")
                continue
            if run is None:
                self.stdout.write(f"{slug:<10} skipped   another poll of this provider is running")
                continue
            secs = (run.duration_ms or 0) / 1000
            line = f"{slug:<10} {run.status:<8} offers={run.offer_count:<5} source={run.source:<8} {secs:.2f}s"
            if run.request_count:
                line += f"  requests={run.request_count}"
            if not run.complete:
                line += f"  INCOMPLETE: {run.coverage_note}"
            if run.status == "suspect":
                failed.append(slug)
                self.stdout.write(f"{line}  SUSPECT: {run.suspect_reason}  (not served; last good prices kept, "
                                  f"now stale; accept with --accept-suspect --provider {slug})")
            elif run.status == "ok":
                if run.source == "catalog" and run.catalog_date:
                    line += f"  (built-in list prices of {run.catalog_date})"
                if run.skipped_count:
                    line += f"  skipped={run.skipped_count}"
                if run.unknown_gpus:
                    line += f"  unknown GPUs: {', '.join(run.unknown_gpus[:10])}"
                self.stdout.write(line)
            else:
                failed.append(slug)
                self.stdout.write(f"{line}  error: {run.error}  (last good prices kept, now stale)")
        if failed:
            raise CommandError(f"{len(failed)} provider(s) failed: {', '.join(failed)}")

    def _accept(self, slugs):
        suspects = services.newest_suspect_polls(slugs)
        if not suspects:
            self.stdout.write("no suspect poll to accept")
            return
        for run in suspects:
            try:
                services.poll_accept_suspect(run.pk, by="refresh_prices --accept-suspect")
            except ValueError as exc:
                self.stdout.write(f"{run.provider:<10} not accepted: {exc}")
                continue
            self.stdout.write(f"{run.provider:<10} accepted poll {run.pk} (offers={run.offer_count}): "
                              f"{run.suspect_reason}")
