"""The participants' language and the texts they read: pre-filled texts follow it, and texts
written in another language are flagged to the designer before participants see them.

A pre-filled text (the consent text, the invitation email) is a translatable message: while it
is still one of its translations, it is replaced by the translation into the study's language.
Texts the designer wrote are left alone, but ``language_warnings`` names those that look
written in another language than the participants', detected with py3langid (a maintained
fork of langid.py, Lui & Baldwin 2012) restricted to the languages a study can have.
"""

from functools import cache

from django.utils import translation

from prototypes.studies.models import Question, Study

# The languages' names in the designer's words (the choices name them in their own).
LANGUAGE_NAMES = {Study.Language.ENGLISH: "English", Study.Language.FRENCH: "French"}
# Below these, a guess is not worth a warning: "OK", a brand name, a number.
MIN_WORDS = 4
MIN_CONFIDENCE = 0.95


def translated(message, language):
    with translation.override(language):
        return translation.gettext(message)


def in_language(text, message, language):
    """``text``, or the translation of ``message`` into ``language`` while ``text`` is still
    one of the translations of the pre-filled ``message``."""
    translations = {translated(message, code) for code in Study.Language.values}
    if text.strip() in translations:
        return translated(message, language)
    return text


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(Study.Language.values))
    return identifier


def detect_language(text):
    """The study language ``text`` is written in, or None when it is too short or unclear."""
    if len(text.split()) < MIN_WORDS:
        return None
    language, confidence = _identifier().classify(text)
    return language if confidence >= MIN_CONFIDENCE else None


def participant_texts(study, tasks=None):
    """(what, text) of everything participants read that the designer controls; ``tasks``, the
    study's tasks in order, when the caller has them already."""
    if tasks is None:
        tasks = study.tasks.order_by("position", "id")
    texts = [("The consent text", study.consent_text)]
    texts += [(f"Task {number}", task.instruction) for number, task in enumerate(tasks, start=1)]
    asked = study.questions.filter(role=Question.Role.ASKED).order_by("position", "id")
    texts += [
        (f"The question “{text[:60]}”", text) for text in asked.values_list("text", flat=True)
    ]
    # Recruitment sits above studies: reached through its reverse relations only.
    texts += [
        (f"The screener question “{text[:60]}”", text)
        for text in study.screener_questions.values_list("text", flat=True)
    ]
    recruitment = getattr(study, "recruitment", None)
    if recruitment is not None:
        texts.append(("The invitation email's subject", recruitment.invitation_subject))
        texts.append(("The invitation email", recruitment.invitation_message))
    return texts


def language_warnings(study, tasks=None):
    """Sentences naming the participant-facing texts that look written in another language."""
    warnings = []
    for what, text in participant_texts(study, tasks):
        found = detect_language(text)
        if found and found != study.language:
            warnings.append(
                f"{what} looks written in {LANGUAGE_NAMES[found]}, but the participants' "
                f"language is {LANGUAGE_NAMES[study.language]}: translate it, or change the "
                "study's language."
            )
    return warnings
