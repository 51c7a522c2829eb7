"""Masking, near-duplicate folding, grouping quality and ranking of friction themes."""

import pytest
from sklearn.metrics import adjusted_rand_score

from prototypes.friction import analysis
from tests.friction_corpus import NOISE, labelled_inbox, top_themes

# (text, what must disappear, what must stay)
TRICKY = [
    ("Write to jane.doe+orders@gmail.com please", "jane.doe+orders@gmail.com", "Write to"),
    ("my mail: o'brien@mail.co.uk", "o'brien@mail.co.uk", "my mail"),
    ("Call me on +33 6 12 34 56 78 tonight", "6 12 34 56 78", "tonight"),
    ("Appelez le 06.12.34.56.78 svp", "06.12.34.56.78", "Appelez"),
    ("UK number +44 (0)20 7946 0958", "7946 0958", "UK number"),
    ("US: (415) 555-0132 after 5", "555-0132", "after 5"),
    ("german +49 30 901820 ok", "901820", "ok"),
    ("Livrez au 12 rue de la Paix, 75002 Paris merci", "rue de la Paix", "merci"),
    ("J'habite 3 bis avenue Jean Jaurès à Lyon", "Jean Jaurès", "J'habite"),
    ("Adresse : 45 boulevard Haussmann, 75009 Paris.", "Haussmann", "Adresse"),
    ("Send it to 221 Baker Street, London", "Baker Street", "Send it to"),
    ("Order #4821933 never came", "4821933", "never came"),
    ("ma commande n° FR-2024-88213 est en retard", "88213", "est en retard"),
    ("order number: AB12345 still processing", "AB12345", "still processing"),
    ("My card 4111 1111 1111 1111 was charged twice", "4111 1111", "charged twice"),
    ("IBAN FR76 3000 6000 0112 3456 7890 189 for the refund", "3000 6000", "for the refund"),
    ("Where is my parcel?\n\nThanks,\nJohn Smith", "John Smith", "Where is my parcel"),
    ("Toujours rien reçu.\nCordialement,\nMarie-Claire Dubois", "Dubois", "Toujours rien"),
    ("My name is Peter Parker and my order is late", "Parker", "my order is late"),
    ("Bonjour, je suis Madame Lefèvre, colis perdu", "Lefèvre", "colis perdu"),
    ("Regards, Anna", "Anna", "Regards"),
]
KEPT = [
    "The app crashed on 12/03/2025 at 10:30",
    "I paid 49.99 euros for 2 pairs",
    "Size 42 is too small",
    "It took 3 days",
]


@pytest.mark.parametrize(("text", "secret", "context"), TRICKY)
def test_masking_removes_personal_data_and_keeps_the_complaint(text, secret, context):
    masked, counts = analysis.mask(text)
    assert secret not in masked, masked
    assert context in masked
    assert counts


@pytest.mark.parametrize("text", KEPT)
def test_masking_leaves_dates_prices_and_sizes_alone(text):
    assert analysis.mask(text) == (text, {})


def test_near_duplicates_fold_into_the_first_copy_and_distinct_texts_do_not():
    texts = [
        "Where is my order? It has been ten days and the tracking page shows nothing at all.",
        "The app crashes when I open the basket to pay for my shoes.",
        "where is my order?? it has been ten days and the tracking page shows nothing at all",
        "Where is my order? It has been ten days and the tracking page shows nothing at all. "
        "Thanks",
        "Where is my refund? It has been ten days and the bank shows nothing at all.",
    ]
    assert analysis.fold_duplicates(texts) == [0, 1, 0, 0, 4]


def test_templated_replies_fold_together_whatever_the_masked_name():
    replies = [
        analysis.mask(f"Thank you for your review! We are sorry. Regards, {name}")[0]
        for name in ("Julie", "Marc", "Sophie")
    ]
    assert analysis.fold_duplicates(replies) == [0, 0, 0]


def test_french_and_english_words_of_support_share_stems():
    assert set(analysis.stems("où est ma commande")) & set(analysis.stems("where is my order"))
    assert analysis.language_of(analysis.words_of("je ne trouve pas mon colis")) == "fr"


def test_score_rises_with_volume_recency_and_severity():
    calm = analysis.ThemeSignals(size=100, recent=10, rated=50, low_rated=5, refunds=0, angry=0)
    angry = analysis.ThemeSignals(size=100, recent=10, rated=50, low_rated=40, refunds=30, angry=30)
    recent = analysis.ThemeSignals(size=100, recent=90, rated=50, low_rated=5, refunds=0, angry=0)
    bigger = analysis.ThemeSignals(size=400, recent=40, rated=200, low_rated=20, refunds=0, angry=0)
    assert analysis.theme_score(angry) > analysis.theme_score(calm)
    assert analysis.theme_score(recent) > analysis.theme_score(calm)
    assert analysis.theme_score(bigger) > analysis.theme_score(calm)


def _top_three_share(labels, predicted):
    """Share of the items of the 3 largest true themes that sit in one of the 3 largest
    predicted groups whose majority is their own theme."""
    groups = {}
    for label, group in zip(labels, predicted, strict=True):
        groups.setdefault(group, []).append(label)
    top_groups = sorted(groups, key=lambda g: -len(groups[g]))[:3]
    majority = {g: max(set(groups[g]), key=groups[g].count) for g in top_groups}
    wanted = set(top_themes())
    relevant = [
        (label, group) for label, group in zip(labels, predicted, strict=True) if label in wanted
    ]
    right = sum(1 for label, group in relevant if majority.get(group) == label)
    return right / len(relevant)


def test_themes_match_a_labelled_inbox_far_better_than_keywords():
    items = labelled_inbox()
    texts = [text for text, _ in items]
    labels = [label for _, label in items]
    assert len(items) >= 400 and len(set(labels) - {NOISE}) == 6
    canonical = analysis.fold_duplicates(texts)
    distinct = sorted(set(canonical))
    grouped, _ = analysis.group([texts[i] for i in distinct])
    group_of = dict(zip(distinct, grouped.tolist(), strict=True))
    predicted = [group_of[canonical[i]] for i in range(len(texts))]
    baseline = analysis.keyword_baseline(texts, 6)

    ari = adjusted_rand_score(labels, predicted)
    baseline_ari = adjusted_rand_score(labels, baseline)
    share = _top_three_share(labels, predicted)
    baseline_share = _top_three_share(labels, baseline)
    print(
        f"\nfriction themes on {len(items)} labelled items ({len(distinct)} after folding): "
        f"ARI {ari:.3f} vs keyword baseline {baseline_ari:.3f}; "
        f"items in the right top-3 theme {share:.1%} vs {baseline_share:.1%}"
    )
    assert ari >= 0.6
    assert ari >= baseline_ari + 0.2
    assert share >= baseline_share + 0.1
