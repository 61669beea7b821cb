import pytest
from django.contrib.auth import get_user_model

from .prices import seed_prices


@pytest.fixture
def prices(db):
    return seed_prices()


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user("owner", password="owner-pass-1234")


@pytest.fixture
def outsider(db):
    return get_user_model().objects.create_user("outsider", password="outsider-pass-1234")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def outsider_client(outsider):
    from django.test import Client

    c = Client()
    c.force_login(outsider)
    return c
