"""The console log handler writes to the current stderr, never to a stream closed since logging
was configured (issue 12, point 9: "--- Logging error --- ... I/O operation on closed file")."""

import io
import logging
import sys

from config.logging import StderrHandler


def test_a_record_after_stderr_was_swapped_and_closed_goes_to_the_current_stderr(monkeypatch):
    old = io.StringIO()
    monkeypatch.setattr(sys, "stderr", old)
    handler = StderrHandler()
    logger = logging.getLogger("tests.logging_handler")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        old.close()  # what pytest does to a capture stream after the test that configured logging
        new = io.StringIO()
        monkeypatch.setattr(sys, "stderr", new)
        logger.warning("still visible")
        assert "still visible" in new.getvalue()
        assert "Logging error" not in new.getvalue()
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_the_settings_console_handler_is_the_stderr_handler():
    root = logging.getLogger()
    assert any(isinstance(h, StderrHandler) for h in root.handlers)
