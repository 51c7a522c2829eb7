"""Pre-filled participant texts follow the study's language, and texts in another language are
flagged to the designer before participants see them."""

import pytest
from django.core import mail
from django.urls import reverse

from prototypes.recruitment import panel
from prototypes.studies import language
from prototypes.studies.models import Study
from tests import factories

FRENCH_CONSENT = (
    "J’accepte que mes clics, mes réponses et mes commentaires dans ce test soient "
    "enregistrés et utilisés, sans mon nom, pour améliorer ce produit."
)


@pytest.fixture
def version(workspace):
    return factories.published_shop_version(workspace)


def study_data(client, version, problem, **overrides):
    """What the study form posts as a designer leaves its pre-filled values, with overrides."""
    form = client.get(reverse("study_create")).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(problem=problem.pk, prototype_version=version.pk, title="Suivi de commande")
    data.update(overrides)
    return {name: "" if value is None else value for name, value in data.items()}


def test_a_french_study_gets_the_french_consent_instead_of_the_prefilled_english(
    designer_client, workspace, version
):
    problem = factories.ProblemFactory(workspace=workspace)
    data = study_data(designer_client, version, problem, language="fr")
    assert data["consent_text"] == Study.DEFAULT_CONSENT
    designer_client.post(reverse("study_create"), data)
    assert Study.objects.get().consent_text == FRENCH_CONSENT


def test_switching_the_language_back_and_forth_follows_only_while_unchanged(
    designer_client, workspace, version
):
    problem = factories.ProblemFactory(workspace=workspace)
    study = factories.StudyFactory(workspace=workspace, prototype_version=version, problem=problem)
    edit = reverse("study_edit", args=[study.pk])
    designer_client.post(edit, study_data(designer_client, version, problem, language="fr"))
    study.refresh_from_db()
    assert study.consent_text == FRENCH_CONSENT
    designer_client.post(
        edit, study_data(designer_client, version, problem, consent_text=FRENCH_CONSENT)
    )
    study.refresh_from_db()
    assert study.consent_text == Study.DEFAULT_CONSENT
    # A text the designer wrote is theirs: it stays, whatever the language.
    designer_client.post(
        edit,
        study_data(
            designer_client, version, problem, language="fr", consent_text="J’accepte, merci."
        ),
    )
    study.refresh_from_db()
    assert study.consent_text == "J’accepte, merci."


def test_the_invitation_email_of_a_french_study_is_prefilled_in_french(workspace):
    study = factories.StudyFactory(workspace=workspace, language="fr", state=Study.State.LIVE)
    recruitment = panel.recruitment_of(study)
    assert (
        recruitment.invitation_subject == "Voulez-vous nous aider à tester une nouvelle maquette ?"
    )
    assert recruitment.invitation_message.startswith("Nous essayons une première maquette")
    contact = factories.ContactFactory(workspace=workspace)
    invitation = factories.StudyInvitationFactory(study=study, contact=contact)
    panel.send_invitation(invitation)
    assert mail.outbox[-1].subject == "Voulez-vous nous aider à tester une nouvelle maquette ?"


def test_english_texts_in_a_french_study_are_flagged_on_the_study_page(
    designer_client, workspace, version
):
    study = factories.StudyFactory(
        workspace=workspace,
        prototype_version=version,
        language="fr",
        consent_text="I agree that my answers are recorded to improve this product.",
    )
    factories.TaskFactory(
        study=study, instruction="Trouvez la date de livraison de votre commande."
    )
    factories.TaskFactory(study=study, instruction="Find out when your parcel will arrive at home.")
    warnings = language.language_warnings(study)
    assert warnings == [
        "The consent text looks written in English, but the participants' language is French: "
        "translate it, or change the study's language.",
        "Task 2 looks written in English, but the participants' language is French: translate "
        "it, or change the study's language.",
    ]
    page = designer_client.get(reverse("study_detail", args=[study.pk])).content.decode()
    assert "Texts in another language" in page
    assert "Task 2 looks written in English" in page


def test_going_live_with_a_mismatch_warns_the_designer(designer_client, workspace, version):
    study = factories.StudyFactory(workspace=workspace, prototype_version=version, language="fr")
    task = factories.TaskFactory(
        study=study, instruction="Trouvez la date de livraison de votre commande."
    )
    factories.CriterionFactory(study=study, task=task, must_have=True)
    Study.objects.filter(pk=study.pk).update(
        consent_text="I agree that my answers are recorded to improve this product."
    )
    response = designer_client.post(
        reverse("study_transition", args=[study.pk]), {"state": "live"}, follow=True
    )
    study.refresh_from_db()
    assert study.state == Study.State.LIVE
    messages = [str(message) for message in response.context["messages"]]
    assert any("The consent text looks written in English" in message for message in messages)


def test_matching_or_short_texts_raise_no_warning(workspace):
    study = factories.StudyFactory(workspace=workspace, language="fr", consent_text=FRENCH_CONSENT)
    factories.TaskFactory(study=study, instruction="OK")
    assert language.language_warnings(study) == []
    english = factories.StudyFactory(workspace=workspace)
    factories.TaskFactory(study=english, instruction="Find out when your parcel will arrive.")
    assert language.language_warnings(english) == []
