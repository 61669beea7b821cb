import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def test_it_prints_the_comparison_table_with_the_summary(seeded):
    out = StringIO()
    call_command("compare", "--hours", "10", "--local-gpu", "RTX 4090", "--min-memory", "24",
                 "--electricity-cost", "2.5", stdout=out)
    text = out.getvalue()
    table, summary = text.split("\nCheapest:")
    assert table.splitlines()[0].split() == ["Provider", "GPU", "Mem", "$/h", "Hours", "Setup", "Total",
                                             "Availability", "Region", "Notes"]
    assert "Local GPU" in table and "$11.25" in table and "interruptible" in table
    assert summary.startswith(" Vast.ai RTX 4090 $3.56")
    assert "Recommended:" in summary and "Why:" in summary and "Savings vs local: $7.69" in summary
    assert "Local: RTX 4090 $11.25" in summary


def test_it_prints_json_and_takes_the_filters(seeded):
    out = StringIO()
    call_command("compare", "--hours", "5", "--gpu-type", "H100", "--providers", "runpod,lambda", "--sort", "speed",
                 "--electricity-cost", "0.3", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert {o["provider"] for o in data["options"]} == {"runpod", "lambda"}
    setups = [o["setup_minutes"]["max"] for o in data["options"]]
    assert setups == sorted(setups)


def test_bad_arguments_name_the_field(db):
    with pytest.raises(CommandError, match="local_gpu_type: Unknown GPU"):
        call_command("compare", "--hours", "10", "--local-gpu", "Voodoo 5", stdout=StringIO())
    with pytest.raises(CommandError, match="training_hours"):
        call_command("compare", "--hours", "-1", stdout=StringIO())


def test_it_says_where_each_providers_prices_come_from(seeded):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("compare", "--hours", "10", stdout=out)
    text = out.getvalue()
    assert "Prices:" in text
    assert "RunPod: live API as of" in text
    assert "Together AI: built-in price list as of 2026-08-01" in text
