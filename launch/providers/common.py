"""Error words shared by the adapters: the answers every provider gives the same meaning."""

from __future__ import annotations

from .base import LaunchRefused
from .client import NAMES, HttpProblem


def detail_of(problem: HttpProblem) -> str:
    body = problem.body
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or err.get("code") or problem.text)[:300]
        for key in ("detail", "msg", "message", "error", "title"):
            if body.get(key):
                return str(body[key])[:300]
    return problem.text[:300]


def refuse(slug: str, problem: HttpProblem) -> LaunchRefused:
    """401/403/402/422 and any other 4xx that is not capacity: stop at once with the cause and fix."""
    name = NAMES.get(slug, slug)
    said = detail_of(problem)
    if problem.status in (401, 403):
        return LaunchRefused(f"{name} refused the team's API key or account (HTTP {problem.status}: {said})",
                             f"Check the {name} account (a valid key, a verified e-mail and payment method) "
                             "and connect it again on the Provider accounts page.")
    if problem.status == 402:
        return LaunchRefused(f"{name} says the account balance is too low (HTTP 402: {said})",
                             f"Add credit on {name}, then launch again.")
    if problem.status == 422:
        return LaunchRefused(f"{name} rejected the launch request as invalid (HTTP 422: {said})",
                             "Check the launch template (image, disk, command) and try again.")
    return LaunchRefused(f"{name} rejected the launch (HTTP {problem.status}: {said})",
                         "Check the launch template and the account, then try again.")
