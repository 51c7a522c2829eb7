"""Fixtures the unit tests of several areas share."""

import pytest

from tests import factories


@pytest.fixture
def version(workspace):
    return factories.published_shop_version(workspace)


@pytest.fixture
def study(workspace, version):
    return factories.StudyFactory(workspace=workspace, prototype_version=version)


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client
