import pytest

from launch import services
from tests.teams import conftest as teams_conftest
from tests.teams.conftest import login  # noqa: F401  (the launch tests import it from here)

from .fake_providers import KEYS, FakeProviders

# The same users (owner, member, outsider) and team as the teams tests.
owner, member, outsider, team = teams_conftest.owner, teams_conftest.member, teams_conftest.outsider, teams_conftest.team

PAYLOAD = {"training_hours": 10, "gpu_type": "H100", "providers": ["runpod", "lambda", "vast"], "sort": "cost"}


@pytest.fixture
def fakes(monkeypatch):
    fake = FakeProviders().start()
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    yield fake
    fake.stop()


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
