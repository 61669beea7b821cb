"""In-app notices from the apps above alerts, in the same nav badge and notifications page as the
price-alert notifications, without alerts importing them (the layering: alerts <- launch).

An app registers a source in its ``AppConfig.ready()`` (launch: its team notices, budget at 80%,
budget stop, launch failed); the badge counts each source's unread notices with its own, the page
lists them with its own, newest first, and "mark as read" goes to the source that owns the notice.
A source that fails is logged and left out: the nav of every page must not fail with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    source: str  # the source's name ("" for the price-alert notifications)
    id: int
    title: str
    body: str
    url: str
    link_words: str
    created_at: dt.datetime
    unread: bool


class NoticeSource(Protocol):
    name: str  # short, [a-z_]: it travels in the mark-read form

    def unread_count(self, user) -> int: ...

    def notices(self, user, limit: int) -> list[Notice]: ...

    def mark_read(self, user, ids: list[int] | None) -> int:
        """Mark the user's notices ``ids`` (None: all of them) read; returns how many changed."""


_SOURCES: dict[str, NoticeSource] = {}


def register(source: NoticeSource) -> None:
    _SOURCES[source.name] = source


def unregister(name: str) -> None:
    _SOURCES.pop(name, None)


def source_names() -> list[str]:
    return sorted(_SOURCES)


def get(name: str) -> NoticeSource | None:
    return _SOURCES.get(name)


def unread_from_sources(user) -> int:
    total = 0
    for source in list(_SOURCES.values()):
        try:
            total += int(source.unread_count(user))
        except Exception:
            logger.exception("notice source %s failed to count", source.name)
    return total


def from_sources(user, limit: int) -> list[Notice]:
    out: list[Notice] = []
    for source in list(_SOURCES.values()):
        try:
            out += source.notices(user, limit)
        except Exception:
            logger.exception("notice source %s failed to list", source.name)
    return out


def mark_read_in_sources(user, ids: list[int] | None, name: str | None = None) -> int:
    """``name`` None: every source (mark all); else that source only."""
    targets = list(_SOURCES.values()) if name is None else [s for s in [_SOURCES.get(name)] if s is not None]
    return sum(int(s.mark_read(user, ids)) for s in targets)
