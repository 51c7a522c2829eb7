"""The events-table scale benchmark (tests/bench/bench_events_scale.py) in the integration tier,
which CI runs (`pytest -m integration tests/integration`): one study's report among 500 studies'
events against the same study alone, with the seeding bounded in time."""

import pytest

from tests.bench.bench_events_scale import test_a_study_s_report_as_other_studies_events_grow

pytestmark = [pytest.mark.integration, pytest.mark.bench]

__all__ = ["test_a_study_s_report_as_other_studies_events_grow"]
