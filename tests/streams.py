"""Streaming responses in tests."""

from django.core.signals import request_finished
from django.db import close_old_connections


def close_stream(response):
    """Close a stream the test stopped reading, as Django's test client closes one it read to
    the end: without the `request_finished` handler that closes the database connection, which
    in a test is the test's own (inside its transaction)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
