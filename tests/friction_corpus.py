"""A labelled inbox for measuring friction themes: 6 themes in English and French, with noise.

Each message is put together from an opening, a complaint phrased one of several ways, a
detail and a closing, so that no two messages of a theme share more than their topic; some
are pasted again with small edits (near-duplicates) and some are noise (no theme). Written
for the test, independently of the demo inbox (prototypes/friction/demo.py).
"""

import random

NOISE = "noise"

OPENINGS = {
    "en": ["Hi,", "Hello team,", "Good morning.", "", "Hey there,", "To whom it may concern,"],
    "fr": ["Bonjour,", "Bonsoir,", "", "Madame, Monsieur,", "Salut,", "Bonjour à l'équipe,"],
}
CLOSINGS = {
    "en": ["", "Thanks.", "Please help.", "Regards.", "This is really annoying!", "Cheers"],
    "fr": ["", "Merci.", "Merci d'avance.", "Cordialement.", "C'est vraiment pénible !", ""],
}

THEMES = {
    "order_status": {
        "size": 130,
        "en": [
            "I can't see where my order is, the tracking page shows nothing.",
            "Where is my order? I ordered ten days ago and there is no status anywhere.",
            "There's no way to track my order in the app, the status never updates.",
            "How do I find the delivery status of my order? I looked everywhere.",
            "My order still says processing, I have no idea when it will be delivered.",
            "The tracking link for my order does not work and I can't find the status.",
        ],
        "fr": [
            "Je ne trouve pas le suivi de ma commande, où est mon colis ?",
            "Où en est ma commande ? Aucun statut de livraison dans l'application.",
            "Impossible de suivre ma commande, le statut ne change jamais.",
            "Le lien de suivi de ma commande ne marche pas, je ne sais pas où elle est.",
            "Ma commande est toujours en préparation, quand sera-t-elle livrée ?",
        ],
        "details": {
            "en": [
                "It's order 48213.",
                "I need it for a birthday.",
                "",
                "Nothing in my emails either.",
            ],
            "fr": [
                "C'est pour un anniversaire.",
                "",
                "Rien dans mes mails non plus.",
                "Commande 55102.",
            ],
        },
    },
    "refund": {
        "size": 100,
        "en": [
            "I returned the item three weeks ago and still no refund.",
            "Where is my refund? You received the return but my money is not back.",
            "The refund was promised but my card was never credited.",
            "I'm still waiting for the money back for my returned parcel.",
            "You confirmed the return, so why haven't I been refunded yet?",
        ],
        "fr": [
            "J'ai renvoyé l'article il y a trois semaines et toujours pas de remboursement.",
            "Mon remboursement n'est jamais arrivé sur ma carte.",
            "Vous avez reçu le retour mais je ne suis toujours pas remboursé.",
            "J'attends le remboursement de ma commande retournée depuis un mois.",
        ],
        "details": {
            "en": [
                "It was 89 euros.",
                "",
                "I sent it with the prepaid label.",
                "Very disappointed.",
            ],
            "fr": [
                "C'était 89 euros.",
                "",
                "Je l'ai envoyé avec l'étiquette prépayée.",
                "Très déçu.",
            ],
        },
    },
    "login": {
        "size": 80,
        "en": [
            "I can't log in to my account, the password reset email never arrives.",
            "The app keeps saying my password is wrong and the reset link has expired.",
            "I'm locked out of my account after resetting my password.",
            "Login fails every time, I never get the reset password email.",
        ],
        "fr": [
            "Impossible de me connecter à mon compte, je ne reçois pas l'email de mot de passe.",
            "Le lien pour réinitialiser mon mot de passe a expiré, je ne peux pas me connecter.",
            "Mon compte est bloqué après avoir changé mon mot de passe.",
        ],
        "details": {
            "en": ["I checked my spam folder.", "", "Tried on two phones.", "My email is right."],
            "fr": ["J'ai vérifié les spams.", "", "Essayé sur deux téléphones.", ""],
        },
    },
    "sizing": {
        "size": 60,
        "en": [
            "The shoes are a full size too small, your size guide is wrong.",
            "The size chart doesn't match, the jacket is way too tight.",
            "I ordered my usual size and it's too big, can I exchange for a smaller size?",
        ],
        "fr": [
            "Les chaussures taillent beaucoup trop petit, votre guide des tailles est faux.",
            "La taille ne correspond pas, la veste est trop serrée.",
            "J'ai pris ma taille habituelle et c'est trop grand, je voudrais échanger.",
        ],
        "details": {
            "en": ["", "I usually wear a 42.", "Second time this happens."],
            "fr": ["", "Je fais du 42 d'habitude.", "C'est la deuxième fois."],
        },
    },
    "app_crash": {
        "size": 45,
        "en": [
            "The app crashes every time I open the basket to pay.",
            "Your app freezes at checkout and then closes.",
            "Since the last update the app crashes on launch.",
        ],
        "fr": [
            "L'application plante à chaque fois que j'ouvre le panier pour payer.",
            "L'appli se fige au moment du paiement puis se ferme.",
            "Depuis la dernière mise à jour l'application plante au démarrage.",
        ],
        "details": {
            "en": ["", "iPhone 12, iOS 17.", "Android phone."],
            "fr": ["", "Sur iPhone.", "Sur Android."],
        },
    },
    "damaged": {
        "size": 35,
        "en": [
            "The parcel arrived damaged and the mug inside was broken.",
            "My package was crushed and the item inside is broken.",
            "The box came torn open and the product is damaged.",
        ],
        "fr": [
            "Le colis est arrivé abîmé et la tasse à l'intérieur était cassée.",
            "Mon colis était écrasé et l'article est cassé.",
            "Le carton était déchiré et le produit est endommagé.",
        ],
        "details": {
            "en": ["", "Photos attached.", "The delivery man just left it."],
            "fr": ["", "Photos jointes.", "Le livreur l'a laissé devant la porte."],
        },
    },
}

NOISE_MESSAGES = [
    "Do you sell gift cards?",
    "Love the new spring collection!",
    "Are you open on Sunday?",
    "Great service, thank you so much.",
    "Can I change the name on my newsletter subscription?",
    "Do you ship to Canada?",
    "Vous avez des cartes cadeaux ?",
    "Super boutique, je recommande.",
    "Êtes-vous ouverts le dimanche ?",
    "Est-ce que vous livrez en Belgique ?",
    "ok",
    "test",
    "Merci pour tout !",
    "Is the blue model coming back in stock?",
]


def message(rng, theme, language):
    spec = THEMES[theme]
    parts = [
        rng.choice(OPENINGS[language]),
        rng.choice(spec[language]),
        rng.choice(spec["details"][language]),
        rng.choice(CLOSINGS[language]),
    ]
    return " ".join(part for part in parts if part)


def labelled_inbox(seed=7, noise=40, near_duplicates=30):
    """[(text, label)]: the 6 themes (two thirds English), noise, and edited copies."""
    rng = random.Random(seed)
    items = []
    for theme, spec in THEMES.items():
        for i in range(spec["size"]):
            language = "fr" if i % 3 == 2 else "en"
            items.append((message(rng, theme, language), theme))
    for _ in range(noise):
        items.append((rng.choice(NOISE_MESSAGES), NOISE))
    for text, label in rng.sample([item for item in items if item[1] != NOISE], near_duplicates):
        items.append(
            (text.replace(".", "..", 1) + " " + rng.choice(["Please!", "Again.", "?"]), label)
        )
    rng.shuffle(items)
    return items


def top_themes(count=3):
    return sorted(THEMES, key=lambda theme: -THEMES[theme]["size"])[:count]
