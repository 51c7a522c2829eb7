from django.utils import translation
from django.utils.functional import Promise

from prototypes.studies import sus


def test_ten_english_items_in_brookes_order():
    items = sus.items("en")
    assert len(items) == 10
    assert items[0] == "I think that I would like to use this system frequently."
    assert items[1] == "I found the system unnecessarily complex."
    assert items[9] == (
        "I needed to learn a lot of things before I could get going with this system."
    )
    assert sus.anchors("en") == ("Strongly disagree", "Strongly agree")


def test_ten_french_items_of_the_validated_f_sus():
    items = sus.items("fr")
    assert len(items) == 10
    assert items[0] == "Je voudrais utiliser ce système fréquemment."
    assert items[1] == "Ce système est inutilement complexe."
    assert items[9] == (
        "J'ai eu besoin d'apprendre beaucoup de choses avant de pouvoir utiliser ce système."
    )
    assert len(set(items)) == 10
    assert sus.anchors("fr") == ("Pas du tout d'accord", "Tout à fait d'accord")


def test_items_do_not_depend_on_the_active_language():
    with translation.override("fr"):
        assert sus.items("en")[2] == "I thought the system was easy to use."
    with translation.override("en"):
        assert sus.items("fr")[2] == "Ce système est facile à utiliser."


def test_items_are_translatable_strings():
    # Lazy translations, so a new language only needs the catalogue.
    assert all(isinstance(item, Promise) for item in sus.ITEMS)
