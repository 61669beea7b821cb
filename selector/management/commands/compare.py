"""``python manage.py compare --hours 10 --local-gpu "RTX 4090" --min-memory 24``: the
compare-costs answer as a table with the summary (or ``--json``: the API's response)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from selector.api.serializers import CompareCostsInputSerializer, compare_answer_dict
from selector.compare import compare_costs
from selector.engine import SORTS
from selector.formatting import money


class Command(BaseCommand):
    help = "Compare the cost of a training job across providers and your local GPU."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, required=True, help="Training hours, excluding setup.")
        parser.add_argument("--local-gpu", help='Your GPU, e.g. "RTX 4090": adds the local option.')
        parser.add_argument("--electricity-cost", type=float, help="USD per kWh (default 0.15).")
        parser.add_argument("--power-watts", type=float, help="Local GPU power draw (default: board power).")
        parser.add_argument("--min-memory", type=float, help="Minimum memory per GPU, GB.")
        parser.add_argument("--gpu-type", help='Only this GPU model or family ("H100", "A100 80GB").')
        parser.add_argument("--gpu-count", type=int, help="GPUs per instance (default 1).")
        parser.add_argument("--providers", help="Comma-separated provider slugs.")
        parser.add_argument("--reference-gpu", help="The GPU on which --hours holds.")
        parser.add_argument("--region")
        parser.add_argument("--continent")
        parser.add_argument("--sort", choices=SORTS, default="cost")
        parser.add_argument("--exclude-unavailable", action="store_true")
        parser.add_argument("--allow-interruptible", action="store_true")
        parser.add_argument("--json", action="store_true", help="Print the API response as JSON.")

    def handle(self, *args, **opts):
        data = {
            "training_hours": opts["hours"], "local_gpu_type": opts["local_gpu"],
            "local_electricity_cost": opts["electricity_cost"], "local_power_watts": opts["power_watts"],
            "min_memory_gb": opts["min_memory"], "gpu_type": opts["gpu_type"], "gpu_count": opts["gpu_count"],
            "providers": [p.strip() for p in opts["providers"].split(",") if p.strip()] if opts["providers"] else None,
            "reference_gpu": opts["reference_gpu"], "region": opts["region"], "continent": opts["continent"],
            "sort": opts["sort"], "include_unavailable": not opts["exclude_unavailable"],
            "allow_interruptible": opts["allow_interruptible"],
        }
        ser = CompareCostsInputSerializer(data={k: v for k, v in data.items() if v is not None})
        if not ser.is_valid():
            problems = "; ".join(f"{field}: {' '.join(str(m) for m in msgs)}" for field, msgs in ser.errors.items())
            raise CommandError(problems)
        result = compare_answer_dict(compare_costs(ser.query()))
        if opts["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(self.render(result))

    def render(self, result: dict) -> str:
        head = ("Provider", "GPU", "Mem", "$/h", "Hours", "Setup", "Total", "Availability", "Region", "Notes")
        rows = [head]
        for o in result["options"]:
            gpu = o["gpu_type"] if o["gpu_count"] == 1 else f"{o['gpu_count']}x {o['gpu_type']}"
            flags = ", ".join(f for f in (
                "interruptible" if o["interruptible"] else "", "stale" if o["stale"] else "",
                o["source"] if o["source"] == "catalog" else "") if f)
            rows.append((o["provider_name"], gpu, f"{o['gpu_memory_gb']} GB", f"{o['hourly_rate']:.4f}",
                         f"{o['training_hours']:g}", o["setup_time"], money(o["total_cost"]), o["availability"],
                         o["region"] or "-", flags))
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths).rstrip())
        if len(rows) == 1:
            lines.append("(no options)")
        s = result["summary"]

        def pick(label, o):
            if not o:
                return f"{label}: none"
            return f"{label}: {o['provider_name']} {o['gpu_type']} {money(o['total_cost'])}, setup {o['setup_time']}"

        lines += ["", pick("Cheapest", s["cheapest"]), pick("Fastest", s["fastest"]),
                  pick("Recommended", s["recommended"]), f"Why: {s['recommendation_reason']}"]
        if s["local"]:
            lines.append(f"Local: {s['local']['gpu_type']} {money(s['local']['total_cost'])}")
        if s["savings_vs_local"]:
            sv = s["savings_vs_local"]
            pct = "" if sv["percent"] is None else f" ({sv['percent']:g}%)"
            lines.append(f"Savings vs local: {money(sv['amount'])}{pct}")
        if result["excluded"]:
            lines += ["", "Excluded:"]
            lines += [f"  {x['count']:>4} x {x['reason']}" if x["count"] else f"  {x['reason']}" for x in result["excluded"]]
        lines += ["", "Prices:"]
        for p in result["prices"]:
            where = {"live": "live API", "catalog": "built-in price list"}.get(p["source"], "no prices yet")
            as_of = f" as of {p['as_of'][:16].replace('T', ' ')} UTC" if p["as_of"] else ""
            flag = "  STALE" if p["stale"] else ""
            err = f"  (last error: {p['last_error']})" if p["last_error"] else ""
            lines.append(f"  {p['name']}: {where}{as_of}{flag}{err}")
        return "\n".join(lines) + "\n"
