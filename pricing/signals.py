"""Sent after a successful poll is committed (price alerts listen to it)."""

from django.dispatch import Signal

poll_succeeded = Signal()  # kwargs: poll_id, provider
