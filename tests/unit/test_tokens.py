"""Revoking a link asks first and can be undone for a short while, then never."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from prototypes.models import ReportShare, ShareLink, Study
from prototypes.tokens import REVOKE_UNDO_WINDOW
from tests import factories


@pytest.fixture
def live_study(workspace):
    return factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)


def test_revoking_a_stakeholder_link_asks_for_confirmation_and_can_be_undone(
    client, designer, live_study
):
    share = ReportShare.objects.create(study=live_study, label="Board")
    client.force_login(designer)
    summary = reverse("study_summary", args=[live_study.pk])
    assert 'data-confirm="Revoke the link for Board?' in client.get(summary).content.decode()

    client.post(reverse("report_share_revoke", args=[share.pk]))
    assert client.get(reverse("report_share_view", args=[share.token])).status_code == 404
    assert "Undo revoke" in client.get(summary).content.decode()

    client.post(reverse("report_share_restore", args=[share.pk]))
    share.refresh_from_db()
    assert share.revoked_at is None and share.is_active


def test_revoking_a_participant_link_can_be_undone(client, designer, live_study):
    link = factories.ShareLinkFactory(study=live_study)
    client.force_login(designer)
    client.post(reverse("link_revoke", args=[link.pk]))
    page = client.get(reverse("study_recruitment", args=[live_study.pk])).content.decode()
    assert "Undo revoke" in page
    client.post(reverse("link_restore", args=[link.pk]))
    link.refresh_from_db()
    assert link.revoked_at is None


def test_an_old_revocation_is_final(client, designer, live_study):
    long_ago = timezone.now() - REVOKE_UNDO_WINDOW - timedelta(seconds=1)
    share = ReportShare.objects.create(study=live_study, revoked_at=long_ago)
    link = factories.ShareLinkFactory(study=live_study, revoked_at=long_ago)
    client.force_login(designer)
    assert (
        "Undo revoke"
        not in client.get(reverse("study_summary", args=[live_study.pk])).content.decode()
    )
    response = client.post(reverse("report_share_restore", args=[share.pk]), follow=True)
    assert "revoked too long ago" in response.content.decode()
    client.post(reverse("link_restore", args=[link.pk]))
    assert ReportShare.objects.get(pk=share.pk).revoked_at == long_ago
    assert ShareLink.objects.get(pk=link.pk).revoked_at == long_ago


def test_viewers_cannot_undo_a_revocation(client, viewer, live_study):
    share = ReportShare.objects.create(study=live_study, revoked_at=timezone.now())
    client.force_login(viewer)
    assert client.post(reverse("report_share_restore", args=[share.pk])).status_code == 403
    assert ReportShare.objects.get(pk=share.pk).revoked_at is not None
