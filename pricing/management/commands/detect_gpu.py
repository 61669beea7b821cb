"""``python manage.py detect_gpu``: list this machine's NVIDIA GPUs (exits 0 also when there are none)."""

import json

from django.core.management.base import BaseCommand

from pricing.local_gpu import detect_local_gpus


class Command(BaseCommand):
    help = "Report the NVIDIA GPUs of this machine (via NVML), mapped onto the GPU catalog."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        result = detect_local_gpus()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        self.stdout.write(result.message)
        for gpu in result.gpus:
            power = f", power limit {gpu.power_limit_w:.0f} W" if gpu.power_limit_w is not None else ""
            catalog = f" -> {gpu.gpu_type}" if gpu.gpu_type else " (not in the GPU catalog)"
            self.stdout.write(f"  GPU {gpu.index}: {gpu.name}{catalog}, {gpu.memory_gb:.1f} GB{power}")
        if result.driver_version:
            self.stdout.write(f"Driver version: {result.driver_version}")
