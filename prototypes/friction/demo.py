"""A synthetic evidence inbox for the demo shop: support tickets and app reviews, EN and FR.

The same generator feeds the friction benchmark (tests/bench/bench_friction.py). Messages are
put together from parts (an opening, a complaint, a detail, sometimes personal data the
import masks), so that they read like real tickets and only some repeat.
"""

import random
from datetime import UTC, datetime, timedelta

from prototypes.friction import exports, services
from prototypes.friction.models import Theme

# theme: (share of the inbox, rating range, {language: complaints}, {language: details})
THEMES = {
    "order_status": (
        0.34,
        (1, 3),
        {
            "en": [
                "I can't find my order status anywhere in the app.",
                "Where is my order? I ordered last week and there is no tracking.",
                "How do I see where my parcel is? The account page shows nothing.",
                "No idea when my order arrives, I can't find the tracking anywhere.",
                "I had to call you just to know the status of my order.",
                "The app doesn't tell me where my order is.",
            ],
            "fr": [
                "Je ne trouve pas le suivi de ma commande dans l'application.",
                "Où est ma commande ? Aucun suivi depuis une semaine.",
                "Impossible de savoir où en est mon colis.",
                "J'ai dû appeler pour connaître le statut de ma commande.",
            ],
        },
        {
            "en": ["It's order #{order}.", "I need it by Friday.", "", "Nothing in my emails."],
            "fr": ["Commande n° {order}.", "J'en ai besoin vendredi.", "", "Rien par mail."],
        },
    ),
    "refund": (
        0.18,
        (1, 2),
        {
            "en": [
                "I returned the shoes three weeks ago and I'm still waiting for my refund.",
                "My refund hasn't arrived although you received the return.",
                "When will I get my money back for the returned jacket?",
            ],
            "fr": [
                "J'ai renvoyé les chaussures il y a trois semaines, toujours pas remboursé.",
                "Mon remboursement n'est jamais arrivé alors que vous avez reçu le retour.",
            ],
        },
        {
            "en": ["", "This is unacceptable!!", "I'll cancel my membership."],
            "fr": ["", "C'est inadmissible !!", "Je vais résilier."],
        },
    ),
    "delivery_slot": (
        0.14,
        (2, 4),
        {
            "en": [
                "The courier came while I was out and I couldn't choose a delivery slot.",
                "Please let me pick a delivery time, I missed the parcel twice.",
                "Delivery came on a day I'm at work, I wish I could pick the day.",
            ],
            "fr": [
                "Le livreur est passé pendant mon absence, impossible de choisir un créneau.",
                "Laissez-moi choisir le jour de livraison, j'ai raté le colis deux fois.",
            ],
        },
        {"en": ["", "I live at 12 Baker Street."], "fr": ["", "J'habite 4 rue Victor Hugo."]},
    ),
    "sizing": (
        0.12,
        (2, 4),
        {
            "en": [
                "The running shoes are a size too small, the size guide is wrong.",
                "Your size chart doesn't match, the jacket is too tight.",
            ],
            "fr": [
                "Les baskets taillent petit, le guide des tailles est faux.",
                "La veste est trop serrée, la taille ne correspond pas.",
            ],
        },
        {"en": ["", "I usually wear a 42."], "fr": ["", "Je fais du 42."]},
    ),
    "checkout_crash": (
        0.10,
        (1, 2),
        {
            "en": [
                "The app crashes when I tap pay in the basket.",
                "Checkout freezes and the app closes, I couldn't pay.",
            ],
            "fr": [
                "L'application plante quand je veux payer le panier.",
                "Le paiement se bloque et l'appli se ferme.",
            ],
        },
        {"en": ["", "iPhone 13."], "fr": ["", "Sur Android."]},
    ),
}
OPENINGS = {"en": ["Hi,", "Hello,", "", "Hi team,"], "fr": ["Bonjour,", "", "Bonsoir,"]}
SIGNATURES = {
    "en": ["", "", "Thanks,\nEmma Wilson", "Call me on +44 20 7946 0958.", "Reach me at {email}"],
    "fr": ["", "", "Cordialement,\nJulie Martin", "Appelez-moi au 06 12 34 56 78.", ""],
}
PRAISE = [
    ("Love the new collection, great quality.", "en"),
    ("Fast delivery, thank you!", "en"),
    ("Do you sell gift cards?", "en"),
    ("Super boutique, je recommande.", "fr"),
    ("Livraison rapide, merci !", "fr"),
]
CONTEXTS = {
    "en": [
        "",
        "I ordered on Monday.",
        "This is my second order with you.",
        "I've been a customer for years.",
        "My sister had the same problem.",
        "I checked the help pages first.",
        "I'm really disappointed.",
        "Please answer quickly.",
        "It was a birthday present.",
    ],
    "fr": [
        "",
        "J'ai commandé lundi.",
        "C'est ma deuxième commande chez vous.",
        "Je suis cliente depuis des années.",
        "Ma sœur a eu le même souci.",
        "J'ai d'abord lu l'aide.",
        "Je suis très déçue.",
        "Merci de répondre vite.",
        "C'était un cadeau d'anniversaire.",
    ],
}
SEGMENTS = ["App", "App", "Web", "Loyalty member"]
# What a customer ordered, when and how: makes most messages distinct, as real ones are.
PRODUCTS = {
    "en": [
        "running shoes",
        "rain jacket",
        "wool socks",
        "hiking boots",
        "yoga mat",
        "backpack",
        "sun hat",
        "swimsuit",
        "trail shorts",
        "fleece",
        "gloves",
        "water bottle",
    ],
    "fr": [
        "chaussures de course",
        "veste de pluie",
        "chaussettes en laine",
        "chaussures de randonnée",
        "tapis de yoga",
        "sac à dos",
        "chapeau",
        "maillot de bain",
        "short",
        "polaire",
        "gants",
        "gourde",
    ],
}
COLOURS = {
    "en": ["red", "blue", "black", "green", "grey", "white", "yellow", "navy"],
    "fr": ["rouge", "bleu", "noir", "vert", "gris", "blanc", "jaune", "marine"],
}
DAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
}
ORDERED = {
    "en": "It was the {colour} {product}, ordered on {day} for my {who}.",
    "fr": "C'était {product} {colour}, commandé {day} pour mon {who}.",
}
WHO = {
    "en": ["son", "daughter", "husband", "wife", "friend", "brother", "sister", "self"],
    "fr": ["fils", "mari", "frère", "ami", "neveu", "cousin", "père", "collègue"],
}


def synthetic_rows(count, seed=2026, now=None, varied=False):
    """`count` exports.Row of tickets and reviews over the six months before `now`.

    `varied` adds what each customer ordered, so that few messages repeat one another.
    """
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    themes = list(THEMES)
    weights = [THEMES[name][0] for name in themes]
    rows = []
    for number in range(count):
        language = "fr" if rng.random() < 0.35 else "en"
        happened = now - timedelta(days=rng.random() * 180)
        if rng.random() < 0.12:
            text, language = rng.choice(PRAISE)
            rating = 5
        else:
            name = rng.choices(themes, weights)[0]
            _, (low, high), complaints, details = THEMES[name]
            parts = [
                rng.choice(OPENINGS[language]),
                rng.choice(complaints[language]),
                rng.choice(CONTEXTS[language]),
                rng.choice(details[language]),
                ORDERED[language].format(
                    colour=rng.choice(COLOURS[language]),
                    product=rng.choice(PRODUCTS[language]),
                    day=rng.choice(DAYS[language]),
                    who=rng.choice(WHO[language]),
                )
                if varied
                else "",
                rng.choice(SIGNATURES[language]),
            ]
            text = " ".join(part for part in parts if part).format(
                order=rng.randint(100000, 999999), email=f"customer{number}+shop@example.com"
            )
            rating = rng.randint(low, high)
        review = rng.random() < 0.4
        rows.append(
            exports.Row(
                line=number + 2,
                text=text,
                date=happened,
                rating=rating if review else None,
                segment=rng.choice(SEGMENTS),
                external_id=f"demo-{number}",
                customer=f"customer{number}@example.com" if not review else "",
                resolution_hours=None if review else round(rng.uniform(1, 72), 1),
                satisfaction=None if review else float(rating >= 3),
            )
        )
    return rows


def csv_of(rows):
    """The rows as a Zendesk export (what the benchmark imports)."""
    lines = ["Id,Requester email,Subject,Description,Created at,Organization,Requester"]
    for row in rows:
        text = row.text.replace('"', '""')
        lines.append(
            f'{row.external_id},{row.customer},Help,"{text}",'
            f"{row.date:%Y-%m-%d %H:%M:%S},{row.segment},Customer"
        )
    return ("\n".join(lines) + "\n").encode()


def create_demo_inbox(workspace, count=2_000):
    """Import the synthetic inbox and shape its largest theme as the demo team would.

    Refunds score higher on severity (every ticket asks for money back), but the finance team
    already handles them; the team keeps the order status first with the override and names
    it in the customers' words.
    """
    services.add_items(workspace, synthetic_rows(count), "Zendesk")
    themes = Theme.objects.filter(workspace=workspace)
    top = max(themes, key=lambda theme: ("order" in theme.key_terms, theme.size))
    services.rename(top, "I can't find my order status")
    top.override = Theme.Override.TOP
    top.save(update_fields=["override", "updated_at"])
    return top
