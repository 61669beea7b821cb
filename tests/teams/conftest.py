import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from teams import services


def _user(name):
    return get_user_model().objects.create_user(name, password=f"{name}-pass-1234", email=f"{name}@example.com")


@pytest.fixture
def owner(db):
    return _user("owner")


@pytest.fixture
def member(db):
    return _user("member")


@pytest.fixture
def outsider(db):
    return _user("outsider")


@pytest.fixture
def team(owner, member):
    t = services.team_create(owner=owner, name="ML team")
    services.member_invite(team=t, by=owner, username="member")
    return t


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c
