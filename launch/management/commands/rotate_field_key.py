from django.core.management.base import BaseCommand

from launch.services import rotate_secrets


class Command(BaseCommand):
    help = "Re-encrypt every stored provider key and env var with the first FIELD_ENCRYPTION_KEY (see README)."

    def handle(self, *args, **options):
        n = rotate_secrets()
        self.stdout.write(f"re-encrypted {n} stored secrets with the first FIELD_ENCRYPTION_KEY")
