import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from launch import services
from teams import services as team_services

from .fake_providers import KEYS, FakeProviders

PAYLOAD = {"training_hours": 10, "gpu_type": "H100", "providers": ["runpod", "lambda", "vast"], "sort": "cost"}


@pytest.fixture
def fakes(monkeypatch):
    fake = FakeProviders().start()
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    yield fake
    fake.stop()


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
    t = team_services.team_create(owner=owner, name="ML team")
    team_services.member_invite(team=t, by=owner, username="member")
    return t


@pytest.fixture
def connect(team, owner, fakes):
    def _connect(*providers):
        return [services.account_connect(team=team, user=owner, provider=p, api_key=KEYS[p],
                                         ssh_public_key="ssh-ed25519 AAAAC3Nza team@example") for p in providers]
    return _connect


@pytest.fixture
def polled(fakes, db):
    from pricing.services import poll_provider

    for slug in ("runpod", "lambda", "vast"):
        poll_provider(slug)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def quote_for(team, provider: str, **kw):
    from launch import selectors

    result, errors = selectors.compare(PAYLOAD)
    assert not errors, errors
    option = next(o for o in result["options"] if o["provider"] == provider)
    return services.launch_quote(team=team, payload=PAYLOAD, option_id=option["id"], **kw)


def submit(team, user, provider: str, *, key="k1", budget=None, allow_failover=True, **kw):
    q = quote_for(team, provider)
    launch, created = services.launch_submit(team=team, user=user, quote=q, budget_usd=budget or q.default_budget_usd,
                                             confirm=True, idempotency_key=key, allow_failover=allow_failover, **kw)
    return launch
