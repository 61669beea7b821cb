"""A per-process LRU bounded in bytes, for the few answers worth keeping until the next poll.

Counting entries is not a bound: a compare answer at 10,000 offers holds thousands of option dicts
(~10 MB of Python objects), so "256 answers" let one worker grow from ~120 MB to ~1.4 GB after 300
distinct questions. Each entry here carries its (estimated) size, and the oldest entries go once the
total passes ``max_bytes``; an entry larger than the whole budget is not kept at all.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict


def approx_size(value, *, sample: int = 3, _depth: int = 0) -> int:
    """Rough deep size in bytes of JSON-like data (dicts, lists, strings, numbers). Long lists are
    sampled (their first ``sample`` items, scaled up): exact enough for a budget, and cheap."""
    size = sys.getsizeof(value)
    if _depth > 8:
        return size
    if isinstance(value, dict):
        for k, v in value.items():
            size += sys.getsizeof(k) + approx_size(v, sample=sample, _depth=_depth + 1)
    elif isinstance(value, list | tuple):
        items = value[:sample]
        if items:
            part = sum(approx_size(v, sample=sample, _depth=_depth + 1) for v in items)
            size += part * len(value) // len(items)
    return size


class ByteBoundedLRU:
    """Thread-safe LRU whose entries carry a size; the total stays within ``max_bytes``."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.items: OrderedDict = OrderedDict()  # key -> (value, nbytes)
        self.total = 0
        self.lock = threading.Lock()

    def get(self, key, default=None):
        with self.lock:
            hit = self.items.get(key)
            if hit is None:
                return default
            self.items.move_to_end(key)
            return hit[0]

    def put(self, key, value, nbytes: int) -> None:
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.total -= old[1]
            if nbytes > self.max_bytes:
                return
            self.items[key] = (value, nbytes)
            self.total += nbytes
            while self.total > self.max_bytes and self.items:
                _, (_, n) = self.items.popitem(last=False)
                self.total -= n

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.total = 0

    def __len__(self) -> int:
        return len(self.items)
