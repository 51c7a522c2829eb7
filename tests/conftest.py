import os

import pytest

from tests import factories


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def workspace(db):
    return factories.WorkspaceFactory(name="Acme")


@pytest.fixture
def owner(workspace):
    return factories.MembershipFactory(workspace=workspace, role="owner").user


@pytest.fixture
def designer(workspace):
    return factories.MembershipFactory(workspace=workspace, role="designer").user


@pytest.fixture
def viewer(workspace):
    return factories.MembershipFactory(workspace=workspace, role="viewer").user


@pytest.fixture
def outsider(db):
    """A member of another workspace only."""
    return factories.MembershipFactory(role="owner").user


@pytest.fixture
def designer_client(client, designer):
    client.force_login(designer)
    return client


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client
