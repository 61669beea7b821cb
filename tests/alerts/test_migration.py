"""Moving PriceAlert and Notification from pricing to alerts moves no data: the tables keep their
names and rows (pricing 0005 + alerts 0001 are state-only)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("pricing", "0004_covering_history_index"), ("wizard", "0001_initial")]
AFTER = [("alerts", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_alerts_and_notifications_survive_the_move():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("auth", "User").objects.create(username="owner")
    gpu, _ = old.get_model("pricing", "GpuModel").objects.get_or_create(slug="h100-sxm", defaults=dict(
        name="H100 SXM", vendor="nvidia", memory_gb=80, board_power_w=700, fp16_tflops=989, gpu_class="datacenter"))
    alert = old.get_model("pricing", "PriceAlert").objects.create(user=user, gpu=gpu, threshold_usd=Decimal("2.5"))
    old.get_model("pricing", "Notification").objects.create(user=user, alert=alert, title="H100 at $2.40",
                                                             created_at=timezone.now())

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    moved = new.get_model("alerts", "PriceAlert").objects.get(pk=alert.pk)
    assert moved.threshold_usd == Decimal("2.5") and moved.user_id == user.pk
    note = new.get_model("alerts", "Notification").objects.get()
    assert note.alert_id == alert.pk and note.title == "H100 at $2.40"

    # Back to the latest state, so the tests after this one see the real schema.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
