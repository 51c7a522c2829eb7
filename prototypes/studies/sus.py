"""The ten items of the System Usability Scale, in the wording participants read.

English: Brooke, J. (1996). SUS: a "quick and dirty" usability scale. In Usability Evaluation
in Industry, 189–194. London: Taylor & Francis.

French: the F-SUS of Gronier, G. & Baudet, A. (2021). Psychometric evaluation of the F-SUS:
creation and validation of the French version of the System Usability Scale. International
Journal of Human-Computer Interaction, 37(16). https://doi.org/10.1080/10447318.2021.1898828
(wording cross-checked against two independent implementations of the F-SUS; check it against
the paper's table before citing the scale in a publication).

Scores are only comparable with published SUS benchmarks when the validated wording is used, so
a language with a validated version gets exactly that text; the translation catalogue only
serves languages without one.
"""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Participants answer each item from 1 (strongly disagree) to 5 (strongly agree).
SCALE_MIN = 1
SCALE_MAX = 5

ITEMS = (
    _("I think that I would like to use this system frequently."),
    _("I found the system unnecessarily complex."),
    _("I thought the system was easy to use."),
    _("I think that I would need the support of a technical person to be able to use this system."),
    _("I found the various functions in this system were well integrated."),
    _("I thought there was too much inconsistency in this system."),
    _("I would imagine that most people would learn to use this system very quickly."),
    _("I found the system very cumbersome to use."),
    _("I felt very confident using the system."),
    _("I needed to learn a lot of things before I could get going with this system."),
)

ANCHORS = (_("Strongly disagree"), _("Strongly agree"))

VALIDATED_ITEMS = {
    "fr": (
        "Je voudrais utiliser ce système fréquemment.",
        "Ce système est inutilement complexe.",
        "Ce système est facile à utiliser.",
        "J'aurais besoin du soutien d'un technicien pour être capable d'utiliser ce système.",
        "Les différentes fonctionnalités de ce système sont bien intégrées.",
        "Il y a trop d'incohérences dans ce système.",
        "La plupart des gens apprendront à utiliser ce système très rapidement.",
        "Ce système est très lourd à utiliser.",
        "Je me suis senti(e) très en confiance en utilisant ce système.",
        "J'ai eu besoin d'apprendre beaucoup de choses avant de pouvoir utiliser ce système.",
    ),
}

VALIDATED_ANCHORS = {"fr": ("Pas du tout d'accord", "Tout à fait d'accord")}


def items(language):
    """The ten item texts participants read in `language` ("en", "fr", …), in order."""
    if language in VALIDATED_ITEMS:
        return list(VALIDATED_ITEMS[language])
    with translation.override(language):
        return [str(item) for item in ITEMS]


def anchors(language):
    """The labels of the two ends of the 1–5 scale in `language`."""
    if language in VALIDATED_ANCHORS:
        return VALIDATED_ANCHORS[language]
    with translation.override(language):
        return tuple(str(anchor) for anchor in ANCHORS)
