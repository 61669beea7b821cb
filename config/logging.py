"""Log handlers.

``StderrHandler`` writes to whatever ``sys.stderr`` is when a record is emitted, not the stream
that was current when logging was configured. A handler bound at configure time keeps a stream
that can be closed later (pytest swaps and closes its capture streams; a process that redirects
stderr), and every record after that prints "--- Logging error --- I/O operation on closed file"
instead of the message.
"""

from __future__ import annotations

import logging
import sys


class StderrHandler(logging.StreamHandler):
    def __init__(self) -> None:
        super().__init__(stream=sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__/setStream assign it; the current one is used
        pass
