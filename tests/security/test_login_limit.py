"""Brute-force limit on /accounts/login/ and /admin/login/ (issue 12 point 2): failures counted per
username and per client address; past either limit, 429 with Retry-After and a clear message,
decided before any password is hashed; other users' log-ins are not affected."""

from __future__ import annotations

import pytest
from django.contrib.auth import hashers
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

PATHS = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def small_limits(settings):
    settings.LOGIN_MAX_FAILURES_PER_USERNAME = 5
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 12
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def users(db):
    victim = User.objects.create_user("victim", password="right-password-1", is_staff=True)
    other = User.objects.create_user("other", password="other-password-1", is_staff=True)
    return victim, other


def _post(client, path, username, password, addr="203.0.113.7"):
    return client.post(path, {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=addr)


@pytest.mark.parametrize("path", PATHS)
def test_the_right_password_after_many_wrong_ones_is_refused_with_retry_after(small_limits, users, path):
    c = Client()
    for i in range(5):
        assert _post(c, path, "victim", f"wrong-{i}").status_code == 200  # the form again
    r = _post(c, path, "victim", "right-password-1")
    assert r.status_code == 429
    assert 0 < int(r["Retry-After"]) <= 900
    assert "Too many failed log-ins" in r.content.decode() and "Try again in" in r.content.decode()
    assert "_auth_user_id" not in c.session


def test_a_username_is_counted_case_insensitively_and_from_any_address(small_limits, users):
    c = Client()
    for i in range(5):
        _post(c, "/accounts/login/", "ViCtim" if i % 2 else "victim", f"wrong-{i}", addr=f"198.51.100.{i}")
    assert _post(c, "/accounts/login/", "victim", "right-password-1", addr="192.0.2.1").status_code == 429


def test_other_users_log_in_while_one_account_is_locked(small_limits, users):
    attacker = Client()
    for i in range(8):
        _post(attacker, "/accounts/login/", "victim", f"wrong-{i}")
    other = Client()
    r = _post(other, "/accounts/login/", "other", "other-password-1", addr="192.0.2.50")
    assert r.status_code == 302 and other.session["_auth_user_id"]


def test_one_address_is_limited_across_usernames(small_limits, users):
    c = Client()
    for i in range(12):
        _post(c, "/accounts/login/", f"guess-{i}", "x")
    assert _post(c, "/admin/login/", "other", "other-password-1").status_code == 429
    # Another address is not affected.
    assert _post(Client(), "/admin/login/", "other", "other-password-1", addr="192.0.2.9").status_code == 302


def test_a_locked_out_login_hashes_no_password(small_limits, users, monkeypatch):
    """The check runs before the authentication backend: no PBKDF2 work for refused tries."""
    c = Client()
    for i in range(5):
        _post(c, "/accounts/login/", "victim", f"wrong-{i}")
    calls = []
    real = hashers.check_password
    monkeypatch.setattr(hashers, "check_password", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr("django.contrib.auth.base_user.check_password",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(20):
        assert _post(c, "/accounts/login/", "victim", "again").status_code == 429
    assert calls == []


def test_a_good_login_clears_its_usernames_failures(small_limits, users):
    c = Client()
    for i in range(4):
        _post(c, "/accounts/login/", "victim", f"wrong-{i}")
    assert _post(c, "/accounts/login/", "victim", "right-password-1").status_code == 302
    c.logout()
    for i in range(4):
        assert _post(c, "/accounts/login/", "victim", f"wrong-again-{i}").status_code == 200
