"""The pricing admin pages render (read-only history)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["pollrun", "offer", "providerstate", "gpumodel"])
def test_it_renders_the_changelists(admin_client, seed_good_poll, model):
    seed_good_poll("vast")
    response = admin_client.get(reverse(f"admin:pricing_{model}_changelist"))
    assert response.status_code == 200
