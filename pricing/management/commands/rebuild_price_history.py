"""python manage.py rebuild_price_history [--days N]

Writes the price-history rollup (PriceHistoryPoint) for every successful poll that has none:
the backfill for polls stored before the rollup existed, and the repair if a poll's in-transaction
rollup ever failed. Idempotent; safe while polls go on."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from pricing.history import history_rebuild


class Command(BaseCommand):
    help = "Backfill the price history rollup from stored offers."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="only polls of the last N days")

    def handle(self, *args, days=None, **options):
        if connection.vendor == "postgresql":
            # A rebuild over years of polls runs far longer than the web's statement limit.
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        since = timezone.now() - dt.timedelta(days=days) if days else None
        polls, rows = history_rebuild(since=since, stdout=self.stdout)
        self.stdout.write(f"rolled up {polls} poll(s) into {rows} history row(s)")
