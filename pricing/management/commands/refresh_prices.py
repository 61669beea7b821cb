"""python manage.py refresh_prices [--provider SLUG ...]

Polls providers synchronously with the same code the Celery tasks run, prints one line per
provider, and exits non-zero when any provider failed (after recording all of them)."""

from django.core.management.base import BaseCommand, CommandError

from pricing import services
from pricing.providers.registry import PROVIDERS


class Command(BaseCommand):
    help = "Poll GPU providers now and store their prices."

    def add_arguments(self, parser):
        parser.add_argument("--provider", action="append", dest="providers", metavar="SLUG",
                            help=f"poll only this provider (repeatable): {', '.join(PROVIDERS)}")

    def handle(self, *args, providers=None, **options):
        slugs = providers or list(PROVIDERS)
        unknown = [s for s in slugs if s not in PROVIDERS]
        if unknown:
            raise CommandError(f"unknown provider {', '.join(unknown)}; known: {', '.join(PROVIDERS)}")
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
            if run.status == "ok":
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
