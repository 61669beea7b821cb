"""`make run` calls this: with DJANGO_DEBUG on and no user at all, create the demo user and say so.

Outside debug it does nothing: production accounts come from `createsuperuser`."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-pass-1234"


class Command(BaseCommand):
    help = "In debug mode, create the user demo/demo-pass-1234 when no user exists."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write("DJANGO_DEBUG is off: no demo user (use `python manage.py createsuperuser`).")
            return
        User = get_user_model()
        if User.objects.exists():
            if User.objects.filter(username=DEMO_USERNAME).exists():
                self.stdout.write(f"Demo user exists: log in as {DEMO_USERNAME} / {DEMO_PASSWORD}")
            return
        User.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD)
        self.stdout.write(self.style.SUCCESS(f"Created demo user: log in as {DEMO_USERNAME} / {DEMO_PASSWORD}"))
