"""What the launch adapters take and return, and how their errors are classified.

Like SkyPilot's and dstack's failover: a CapacityError means "this offer cannot be placed now, try
the next one"; a LaunchRefused means "stop at once" (credentials, balance, a request the provider
rejects) and carries the fix in words; a TransientLaunchError (5xx, timeout after the request left)
may have created something, so the caller cleans up by tag before moving on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class LaunchSpec:
    tag: str  # our launch tag: the instance name/label, found again by cleanup and the sweep
    provider_sku: str
    region: str
    gpu_count: int
    usd_per_hour: Decimal
    interruptible: bool
    image: str
    command: str
    env: dict = field(default_factory=dict, repr=False)  # secrets: never in a repr
    disk_gb: int = 50
    ssh_public_key: str = field(default="", repr=False)
    options: dict = field(default_factory=dict)  # provider_options of the template for this provider
    training_hours: Decimal = Decimal(0)


@dataclass(frozen=True)
class Launched:
    instance_id: str
    provider_status: str
    status: str  # one of Launch.Status
    connection: dict = field(default_factory=dict)


@dataclass(frozen=True)
class InstanceState:
    status: str  # provisioning | running | finished | failed | terminated
    provider_status: str
    connection: dict = field(default_factory=dict)
    spend_usd: Decimal | None = None  # when the provider reports the charge itself (Together)
    tokens_per_second: float | None = None


@dataclass(frozen=True)
class TaggedInstance:
    instance_id: str
    name: str
    provider_status: str


class LaunchError(Exception):
    """Base: a message in words that never holds a key."""


class CapacityError(LaunchError):
    """The offer cannot be placed now (sold out, gone): try the next one."""


class LaunchRefused(LaunchError):
    """Not worth retrying elsewhere: bad key, no balance, invalid request. ``fix`` says what to do."""

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.fix = fix


class TransientLaunchError(LaunchError):
    """The provider failed in a way that may have left something half-created (5xx, timeout)."""


class NotFound(LaunchError):
    """The instance no longer exists on the provider."""
