"""The panel-launch benchmark (tests/bench/bench_panel_launch.py) in the integration tier, which
CI runs (`pytest -m integration tests/integration`): 200 participants at once against gunicorn
and PostgreSQL, nothing lost, and a session start's server cost within its bound."""

import pytest

from tests.bench.bench_panel_launch import server, test_a_panel_of_200_starts_at_once

pytestmark = [pytest.mark.integration, pytest.mark.bench]

__all__ = ["server", "test_a_panel_of_200_starts_at_once"]
