"""Speed of a 40-frame Figma import, end to end, against uploading the same 40 PNGs.

The import runs as a designer starts it: the form posted, then the job (eager here, as in the
embedded default) reads the page from a local fake of Figma's REST API, asks for the renders
in batches, downloads each PNG, puts it through the image pipeline and adds the hotspots. The
baseline, measured in the same run, uploads the very same 40 PNGs to the same kind of draft the
way the upload page does (one request a file), through the same pipeline. Goal: the import
within 1.5 times the uploads; the assertion leaves room for a busy machine.
"""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prototypes.figma.models import FigmaImport
from tests import factories
from tests.figma_fake import TOKEN, FakeFigma, design_file, phone_flow, render_png

FRAMES = 40
KEY = "BeNcHmArKfIlEkEy12345"
GOAL_RATIO = 1.5
ASSERTED_RATIO = 2.5


@pytest.fixture
def fake(settings):
    server = FakeFigma()
    settings.FIGMA_API_URL = server.url
    yield server
    server.close()


def import_from_figma(client, prototype, capture):
    with capture(execute=True):
        response = client.post(
            reverse("figma_import", args=[prototype.pk]),
            {"link": f"https://www.figma.com/design/{KEY}/Bench", "token": TOKEN, "scale": 2},
        )
    assert response.status_code == 302
    return FigmaImport.objects.get(prototype=prototype)


def upload_each(client, prototype, pngs, capture):
    for number, data in enumerate(pngs, start=1):
        with capture(execute=True):
            response = client.post(
                reverse("screen_upload", args=[prototype.pk]),
                {"files": [SimpleUploadedFile(f"Screen {number}.png", data, "image/png")]},
                headers={"Accept": "application/json"},
            )
        assert response.status_code == 201


@pytest.mark.bench
@pytest.mark.django_db
def test_a_forty_frame_figma_import_costs_about_as_much_as_uploading_its_pngs(
    client, fake, django_capture_on_commit_callbacks, capsys
):
    workspace = factories.WorkspaceFactory()
    designer = factories.MembershipFactory(workspace=workspace, role="designer").user
    client.force_login(designer)
    fake.files[KEY] = design_file("Bench", [phone_flow(FRAMES)])
    # Rendered at 2x, as the import asks: the same bytes serve both paths.
    pngs = [render_png(780, 1688, f"Screen {number}") for number in range(1, FRAMES + 1)]
    fake.renders.update({f"1:{number}": data for number, data in enumerate(pngs, start=1)})

    # Warm up both paths (imports, first queries, fonts) so that neither measure pays for it.
    upload_each(
        client,
        factories.PrototypeFactory(workspace=workspace),
        pngs[:1],
        django_capture_on_commit_callbacks,
    )
    fake.files["WaRmUpFiLeKeY"] = design_file("Warm", [phone_flow(1)])
    warm = factories.PrototypeFactory(workspace=workspace)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("figma_import", args=[warm.pk]),
            {"link": "WaRmUpFiLeKeY", "token": TOKEN, "scale": 2},
        )

    uploaded = factories.PrototypeFactory(workspace=workspace)
    started = time.perf_counter()
    upload_each(client, uploaded, pngs, django_capture_on_commit_callbacks)
    upload_seconds = time.perf_counter() - started

    imported = factories.PrototypeFactory(workspace=workspace)
    started = time.perf_counter()
    figma_import = import_from_figma(client, imported, django_capture_on_commit_callbacks)
    import_seconds = time.perf_counter() - started

    ratio = import_seconds / upload_seconds
    with capsys.disabled():
        print(
            f"\nFigma import of {FRAMES} frames (fake API, local 780 × 1688 PNGs): "
            f"{import_seconds:.2f} s; uploading the same {FRAMES} PNGs: {upload_seconds:.2f} s; "
            f"ratio {ratio:.2f}x (goal ≤ {GOAL_RATIO}x)"
        )
    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.DONE, figma_import.error
    assert imported.draft.screens.filter(status="ready").count() == FRAMES
    assert uploaded.draft.screens.filter(status="ready").count() == FRAMES
    assert figma_import.hotspots_added == 2 * FRAMES - 1
    assert ratio < ASSERTED_RATIO
