"""Friction analysis: masking personal data, folding near-duplicates, grouping into themes.

Pure code (no Django): the services turn rows into lists of strings and numbers, and store
what comes back. Everything here runs locally with scikit-learn, numpy and the Snowball
stemmers; nothing is downloaded at run time.

- `mask` replaces personal data with placeholders (the rules are listed in docs/friction.md).
- `fold_duplicates` finds near-duplicates with MinHash signatures and locality-sensitive
  hashing (Broder, "On the resemblance and containment of documents", 1997; Leskovec,
  Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3), vectorised with numpy because
  a per-document loop is too slow for 100,000 items.
- `group` is latent semantic analysis (TF-IDF, truncated SVD, unit length) followed by
  k-means, the number of themes picked by the silhouette score on a sample (Rousseeuw,
  1987). English and French share one vocabulary through a small support glossary, so that
  "où est ma commande" and "where is my order" land in the same theme.
- `assign` places new items in the themes the designer already shaped, so that moves,
  merges and splits are remembered on the next import.
- `theme_score` ranks themes; `keyword_baseline` is the comparison the quality test uses.
"""

import math
import random
import re
import sys
import unicodedata
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import snowballstemmer
from threadpoolctl import ThreadpoolController

# scikit-learn is imported where it is used: importing it takes seconds on a busy machine,
# and every page would wait for it, since the URLs import the friction views.
if TYPE_CHECKING:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

# Masking.

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)\d{1,3}[\s.\-]?(?:\(0\)[\s.\-]?)?(?:\(?\d{1,4}\)?[\s.\-]?){2,5}\d{2,4}"
    r"|0[1-9](?:[\s.\-]?\d{2}){4}"
    r"|\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}"
    r")(?![\w])"
)
STREET_WORDS = (
    r"rue|avenue|av\.|boulevard|bd|allée|allee|chemin|impasse|place|quai|route|cours|"
    r"square|passage|faubourg|street|st\.|road|rd\.|lane|drive|way"
)
ADDRESS = re.compile(
    r"\b\d{1,4}(?:\s?(?:bis|ter|[a-c]))?,?\s+(?:" + STREET_WORDS + r")\s+"
    r"[^\n,.;!?]{2,60}?(?=[,.;!?\n]|$|\s+(?:à|a|in|and|et)\s)"
    r"(?:,?\s*\d{5}\s+(?-i:[A-ZÉÈ][\w\-']+(?:[ -][A-ZÉÈ][\w\-']+)*))?",
    re.IGNORECASE | re.MULTILINE,
)
STREET_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Close|Court)\b"
)
POSTCODE_CITY = re.compile(r"\b(?:F-)?\d{5}\s+(?:[A-ZÉÈ][\w\-']+)(?:[ -][A-ZÉÈ][\w\-']+)*\b")
ORDER = re.compile(
    r"\b(order|commande|cmd|ticket|invoice|facture|ref(?:erence)?|référence|n°|no\.|#)"
    r"(\s*(?:number|numéro|numero|n°|no\.?|#)?\s*[:#]?\s*)"
    r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,}\b",
    re.IGNORECASE,
)
HASH_NUMBER = re.compile(r"(?<!\w)#\d{4,}\b")
LONG_NUMBER = re.compile(r"\b\d{7,}\b")
NAME = r"[A-ZÀ-Ý][a-zà-ÿ'\-]+(?:\s+[A-ZÀ-Ý][a-zà-ÿ'\-]+){0,2}"
SIGN_OFF = re.compile(
    r"((?:^|[\n.!]\s*)(?:thanks|thank you|many thanks|regards|best regards|kind regards|best|"
    r"cheers|sincerely|merci|merci beaucoup|cordialement|bien à vous|bien a vous|"
    r"bonne journée|salutations|bisous|--)\s*[,!.]?\s*\n?\s*)(" + NAME + r")\s*\.?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
INTRODUCTION = re.compile(
    r"\b(my name is|this is|je m'appelle|je m’appelle|je suis (?:madame|monsieur|mme|m\.)|"
    r"i am (?:mr|mrs|ms)\.?)\s+(" + NAME + r")",
    re.IGNORECASE,
)
TITLED_NAME = re.compile(r"\b(Mr|Mrs|Ms|Dr|M\.|Mme|Mlle|Madame|Monsieur)\.?\s+(" + NAME + r")")

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
ADDRESS_MASK = "[address]"
ORDER_MASK = "[order number]"
NUMBER_MASK = "[number]"
NAME_MASK = "[name]"
CARD_MASK = "[card]"
IBAN_MASK = "[iban]"


DIGIT = re.compile(r"\d")
# Rules that only match text with a digit in it (checked once per text, which halves the
# masking time of a large import).
DIGIT_RULES = (
    (IBAN, IBAN_MASK, "iban"),
    (PHONE, PHONE_MASK, "phone"),
    (CARD, CARD_MASK, "card"),
    (ADDRESS, ADDRESS_MASK, "address"),
    (STREET_ADDRESS, ADDRESS_MASK, "address"),
    (POSTCODE_CITY, ADDRESS_MASK, "address"),
    (ORDER, lambda m: m.group(1) + m.group(2) + ORDER_MASK, "order"),
    (HASH_NUMBER, ORDER_MASK, "order"),
    (LONG_NUMBER, NUMBER_MASK, "number"),
)


def mask(text):
    """`text` with personal data replaced by placeholders, and how many of each were masked."""
    counts = Counter()

    def sub(pattern, replacement, value, kind):
        value, n = pattern.subn(replacement, value)
        counts[kind] += n
        return value

    if "@" in text:
        text = sub(EMAIL, EMAIL_MASK, text, "email")
    if DIGIT.search(text):
        for pattern, replacement, kind in DIGIT_RULES:
            text = sub(pattern, replacement, text, kind)
    text = sub(INTRODUCTION, lambda m: f"{m.group(1)} {NAME_MASK}", text, "name")
    text = sub(TITLED_NAME, lambda m: f"{m.group(1)} {NAME_MASK}", text, "name")
    text = sub(SIGN_OFF, lambda m: m.group(1) + NAME_MASK, text, "name")
    return text, {kind: n for kind, n in counts.items() if n}


# Words.

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
PLACEHOLDER = re.compile(r"\[(?:email|phone|address|order number|number|name|card|iban)\]")

FRENCH_STOP_WORDS = frozenset(
    [
        "a",
        "à",
        "afin",
        "ai",
        "aie",
        "aient",
        "aies",
        "ait",
        "alors",
        "as",
        "au",
        "aucun",
        "aura",
        "aurai",
        "auraient",
        "aurais",
        "aurait",
        "aux",
        "avaient",
        "avais",
        "avait",
        "avant",
        "avec",
        "avez",
        "aviez",
        "avions",
        "avoir",
        "avons",
        "ayant",
        "c",
        "ça",
        "ce",
        "ceci",
        "cela",
        "celle",
        "celles",
        "celui",
        "ces",
        "cet",
        "cette",
        "ceux",
        "chaque",
        "chez",
        "ci",
        "comme",
        "comment",
        "d",
        "dans",
        "de",
        "des",
        "deux",
        "doit",
        "donc",
        "dont",
        "du",
        "elle",
        "elles",
        "en",
        "encore",
        "es",
        "est",
        "et",
        "été",
        "étaient",
        "étais",
        "était",
        "êtes",
        "être",
        "eu",
        "eux",
        "fait",
        "faire",
        "fais",
        "font",
        "hui",
        "il",
        "ils",
        "j",
        "je",
        "jusqu",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "m",
        "ma",
        "mais",
        "me",
        "même",
        "mes",
        "moi",
        "mon",
        "n",
        "ne",
        "ni",
        "nos",
        "notre",
        "nous",
        "on",
        "ont",
        "ou",
        "où",
        "par",
        "parce",
        "pas",
        "peu",
        "peut",
        "plus",
        "pour",
        "pourquoi",
        "qu",
        "quand",
        "que",
        "quel",
        "quelle",
        "quelles",
        "quels",
        "qui",
        "s",
        "sa",
        "sans",
        "se",
        "sera",
        "ses",
        "si",
        "sien",
        "son",
        "sont",
        "sous",
        "suis",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tous",
        "tout",
        "toute",
        "toutes",
        "très",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "déjà",
        "bonjour",
        "merci",
        "svp",
        "bonsoir",
        "madame",
        "monsieur",
        "car",
        "cela",
        "aussi",
        "alors",
        "après",
        "toujours",
        "jamais",
        "rien",
        "bien",
        "vraiment",
    ]
)


@lru_cache(maxsize=1)
def stop_words():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | FRENCH_STOP_WORDS | {"hi", "hello", "thanks", "pls"}


# Words that say which language a text is in (frequent, short, unambiguous).
FRENCH_MARKERS = frozenset(
    [
        "je",
        "j",
        "ma",
        "mon",
        "mes",
        "est",
        "pas",
        "les",
        "des",
        "une",
        "le",
        "la",
        "et",
        "de",
        "du",
        "que",
        "qui",
        "vous",
        "nous",
        "sur",
        "avec",
        "pour",
        "où",
        "ai",
        "suis",
        "très",
    ]
)
ENGLISH_MARKERS = frozenset(
    [
        "i",
        "my",
        "the",
        "is",
        "not",
        "and",
        "to",
        "of",
        "you",
        "we",
        "on",
        "with",
        "for",
        "where",
        "have",
        "am",
        "was",
        "it",
        "this",
    ]
)

# Support vocabulary that differs between French and English, mapped to the English word so
# that both languages share a stem. Generic customer-service words only (orders, delivery,
# payment, accounts, apps, sizes): a theme still has to emerge from the data.
GLOSSARY = {
    "commande": "order",
    "commandes": "order",
    "commandé": "order",
    "commandée": "order",
    "commander": "order",
    "suivi": "track",
    "suivre": "track",
    "statut": "status",
    "état": "status",
    "livraison": "delivery",
    "livraisons": "delivery",
    "livré": "delivered",
    "livrée": "delivered",
    "livrer": "deliver",
    "colis": "parcel",
    "reçu": "received",
    "recu": "received",
    "retard": "late",
    "retardé": "late",
    "remboursement": "refund",
    "rembourser": "refund",
    "remboursé": "refund",
    "remboursée": "refund",
    "paiement": "payment",
    "payer": "pay",
    "payé": "paid",
    "carte": "card",
    "bancaire": "bank",
    "prélevé": "charged",
    "débité": "charged",
    "facture": "invoice",
    "facturé": "charged",
    "mot": "password",
    "passe": "password",
    "connexion": "login",
    "connecter": "login",
    "identifiant": "login",
    "compte": "account",
    "abonnement": "subscription",
    "annuler": "cancel",
    "annulé": "cancel",
    "annulation": "cancel",
    "résilier": "cancel",
    "retour": "return",
    "retourner": "return",
    "renvoyer": "return",
    "échange": "exchange",
    "échanger": "exchange",
    "application": "app",
    "appli": "app",
    "plante": "crash",
    "planté": "crash",
    "bug": "bug",
    "lent": "slow",
    "lente": "slow",
    "lenteur": "slow",
    "charge": "load",
    "chargement": "load",
    "taille": "size",
    "tailles": "size",
    "petit": "small",
    "petite": "small",
    "grand": "big",
    "grande": "big",
    "trouve": "find",
    "trouver": "find",
    "introuvable": "find",
    "cherche": "search",
    "chercher": "search",
    "où": "where",
    "panier": "cart",
    "prix": "price",
    "cher": "expensive",
    "chère": "expensive",
    "promo": "coupon",
    "réduction": "discount",
    "code": "code",
    "adresse": "address",
    "email": "email",
    "courriel": "email",
    "reçois": "receive",
    "recevoir": "receive",
    "attente": "wait",
    "attendre": "wait",
    "attends": "wait",
    "service": "service",
    "client": "customer",
    "clients": "customer",
    "produit": "product",
    "article": "item",
    "articles": "item",
    "cassé": "broken",
    "cassée": "broken",
    "abîmé": "damaged",
    "endommagé": "damaged",
    "mise": "update",
    "jour": "day",
}

STEMMERS = {
    "en": snowballstemmer.stemmer("english"),
    "fr": snowballstemmer.stemmer("french"),
}


def strip_accents(word):
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def language_of(words):
    """'fr' or 'en', from how many frequent words of each language the text has."""
    french = sum(1 for word in words if word in FRENCH_MARKERS)
    english = sum(1 for word in words if word in ENGLISH_MARKERS)
    return "fr" if french > english else "en"


@lru_cache(maxsize=200_000)
def stem(word, language):
    """The stem a word is counted under: French support words first become English ones."""
    if language == "fr":
        english = GLOSSARY.get(word)
        if english is not None:
            return STEMMERS["en"].stemWord(english)
        return strip_accents(STEMMERS["fr"].stemWord(word))
    return strip_accents(STEMMERS["en"].stemWord(word))


@lru_cache(maxsize=131_072)
def words_of(text):
    """The words of a text, lower case, without placeholders (cached: folding, stemming and
    naming all read the same texts of an import)."""
    text = PLACEHOLDER.sub(" ", text.lower()).replace("’", "'")
    # Interned: the cache of a large import holds millions of words from a small vocabulary.
    return tuple(sys.intern(word.split("'")[-1]) for word in WORD.findall(text))


def stems(text):
    """The stems of a text's content words, in order (the analyser of the TF-IDF)."""
    words = words_of(text)
    language = language_of(words)
    stop = stop_words()
    return [stem(word, language) for word in words if word not in stop and len(word) > 1]


# Near-duplicates.

PERMUTATIONS = 32
BANDS = 8
MERSENNE = (1 << 32) - 5  # a prime above every 32-bit shingle hash
DUPLICATE_SIMILARITY = 0.8


def shingles(text, size=3):
    return shingles_of_words(words_of(text), size)


def shingles_of_words(words, size=3):
    if len(words) < size:
        return {" ".join(words)}
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def minhash_signatures(texts, seed=17):
    """One row of PERMUTATIONS MinHash values per text, over its word 3-shingles."""
    lengths = []
    # A typed array, not a list: the shingles of 100,000 tickets are millions of hashes, and
    # as Python ints they made the largest part of an import's peak memory.
    hashes = array("I")
    for text in texts:
        shingle_hashes = [zlib.crc32(s.encode()) for s in shingles(text)]
        lengths.append(len(shingle_hashes))
        hashes.extend(shingle_hashes)
    values = np.frombuffer(hashes, dtype=np.uint32).astype(np.uint64)
    del hashes
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
    b = rng.integers(0, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
    signatures = np.empty((len(texts), PERMUTATIONS), dtype=np.uint64)
    for i in range(PERMUTATIONS):
        permuted = (a[i] * values + b[i]) % MERSENNE
        signatures[:, i] = np.minimum.reduceat(permuted, starts)
    return signatures


def fold_duplicates(texts, threshold=DUPLICATE_SIMILARITY):
    """For each text, the index of the first text it nearly repeats (itself if none).

    Texts sharing a band of their MinHash signature are candidates; a candidate counts as a
    duplicate of the first text in its bucket when their signatures agree on at least
    `threshold` of the permutations (an estimate of the Jaccard similarity of their word
    3-shingles). Earlier texts are kept, later ones folded into them.
    """
    n = len(texts)
    if n == 0:
        return []
    # Texts with the same words (case, punctuation and masked data aside) are folded at once;
    # only one text of each wording gets a signature.
    first_of_wording = {}
    same = []
    for index, text in enumerate(texts):
        same.append(first_of_wording.setdefault(" ".join(words_of(text)), index))
    unique = sorted(set(same))
    folded = _fold_signatures(minhash_signatures([texts[i] for i in unique]), threshold)
    position = {index: row for row, index in enumerate(unique)}
    return [unique[folded[position[first]]] for first in same]


def _fold_signatures(signatures, threshold):
    """For each signature, the row of the first one it nearly repeats (itself if none)."""
    n = len(signatures)
    parent = np.arange(n)

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows = PERMUTATIONS // BANDS
    for band in range(BANDS):
        block = signatures[:, band * rows : (band + 1) * rows]
        # One 64-bit key per band (a polynomial hash, wrapping): unique() on it is far faster
        # than on rows of the block.
        keys = np.zeros(n, dtype=np.uint64)
        for column in range(rows):
            keys = keys * np.uint64(1_000_003) + block[:, column]
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        leaders = first[inverse]
        candidates = np.nonzero(leaders != np.arange(n))[0]
        if len(candidates) == 0:
            continue
        agreement = (signatures[candidates] == signatures[leaders[candidates]]).mean(axis=1)
        similar = candidates[agreement >= threshold]
        for item, leader in zip(similar, leaders[similar], strict=True):
            a, b = root(item), root(leader)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return [int(root(i)) for i in range(n)]


# Themes.

MAX_FEATURES = 20_000
FIT_SAMPLE = 20_000
COMPONENTS = 100
OVERCLUSTER = 30
MERGE_DISTANCE = 0.9
LINKAGE = "average"
KEY_TERMS = 4


@dataclass
class Space:
    """The items as unit vectors in a latent semantic space, and how to name directions."""

    vectors: np.ndarray
    vectorizer: "TfidfVectorizer"
    svd: "TruncatedSVD | None"
    surface: dict = field(default_factory=dict)  # stem -> the word most often written for it

    def terms_of(self, rows, count=KEY_TERMS):
        """The key terms of a group of items: the largest weights of their mean TF-IDF."""
        centroid = self.vectors[rows].mean(axis=0)
        weights = self.svd.inverse_transform(centroid[None, :])[0] if self.svd else centroid
        names = self.vectorizer.get_feature_names_out()
        best = np.argsort(weights)[::-1]
        terms = []
        for index in best:
            if weights[index] <= 0 or len(terms) == count:
                break
            term = " ".join(self.surface.get(part, part) for part in names[index].split())
            if not any(term in other or other in term for other in terms):
                terms.append(term)
        return terms


def surface_forms(texts):
    """The most frequent written form of each stem (for theme names people can read)."""
    seen = Counter()
    stop = stop_words()
    for text in texts:
        words = words_of(text)
        language = language_of(words)
        for word in words:
            if word not in stop and len(word) > 1:
                key = stem(word, language)
                shown = GLOSSARY.get(word, word) if language == "fr" else word
                seen[(key, shown)] += 1
    best = {}
    for key, shown in (pair for pair, _ in seen.most_common()):
        best.setdefault(key, shown)
    return best


# One BLAS/OpenMP thread: on a server where web and Celery workers share the cores, several
# threads per worker wait on each other (a 20,000-ticket import took three times longer).
single_threaded = ThreadpoolController().wrap(limits=1)


def fit_sample(n, seed=0):
    """Rows the models are fitted on: all of them, or FIT_SAMPLE drawn at random.

    The vocabulary, the SVD and the k-means centroids of a large inbox are as good from a
    random sample of 20,000 items; every item is then projected and placed, which keeps a
    100,000-item import within a minute.
    """
    if n <= FIT_SAMPLE:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, FIT_SAMPLE, replace=False))


def _given(tokens):
    return tokens


def embed(texts):
    """TF-IDF of stems and stem pairs, reduced by truncated SVD and scaled to unit length."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    sample = fit_sample(len(texts))
    vectorizer = TfidfVectorizer(
        analyzer=_given,
        min_df=2 if len(sample) >= 20 else 1,
        max_df=0.5 if len(sample) >= 20 else 1.0,
        sublinear_tf=True,
        max_features=MAX_FEATURES,
        dtype=np.float32,
    )
    vectorizer.fit([_tokens(texts[i]) for i in sample])
    # One text's tokens at a time: held for every text of a large import, they were the
    # largest part of its peak memory.
    matrix = vectorizer.transform(_tokens(text) for text in texts)
    return _reduce(matrix, sample, vectorizer, [texts[i] for i in sample])


@single_threaded
def _reduce(matrix, sample, vectorizer, sample_texts):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    # Too many dimensions for the number of items leaves them all nearly orthogonal, and
    # k-means then piles most of them into one group: one dimension per ten items.
    n = matrix.shape[0]
    components = min(COMPONENTS, max(10, len(sample) // 10), matrix.shape[1] - 1, n - 1)
    svd = None
    if components >= 2:
        svd = TruncatedSVD(n_components=components, random_state=0).fit(matrix[sample])
        vectors = svd.transform(matrix)
    else:
        vectors = matrix.toarray()
    vectors = normalize(vectors).astype(np.float32)
    return Space(vectors, vectorizer, svd, surface=surface_forms(sample_texts))


def _tokens(text):
    # A text of stop words only still needs a feature, or a one-item theme has none.
    return _with_bigrams(stems(text)) or ["…"]


def _with_bigrams(words):
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@single_threaded
def cluster(vectors, seed=0):
    """Theme labels of unit vectors: k-means into many small groups, then merged.

    k-means first cuts the items into up to OVERCLUSTER groups; groups whose centroids are
    closer than MERGE_DISTANCE (cosine distance, average linkage) are then joined. Themes
    that do not share vocabulary are near-orthogonal in the latent space (distance close to
    1), while parts of one theme share some of it, so the cut needs no number of themes.
    """
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.preprocessing import normalize

    n = len(vectors)
    k = min(OVERCLUSTER, n // 10)
    if k < 2:
        return np.zeros(n, dtype=int)
    kmeans = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(vectors[fit_sample(n)])
    centroids = normalize(kmeans.cluster_centers_)
    merged = AgglomerativeClustering(
        n_clusters=None, distance_threshold=MERGE_DISTANCE, metric="cosine", linkage=LINKAGE
    ).fit(centroids)
    return merged.labels_[kmeans.predict(vectors)]


def group(texts):
    """Labels grouping `texts` into themes, and the Space they were grouped in."""
    space = embed(texts)
    return cluster(space.vectors), space


ASSIGN_SIMILARITY = 0.3


def assign(space, labels, threshold=ASSIGN_SIMILARITY):
    """Place the unlabelled items (label -1) in the existing theme they are closest to.

    `labels` holds a theme key for each item already in a theme and -1 for new ones. A new
    item joins the theme whose centroid (the mean of the theme's items, as the designer left
    them) is the most similar if the cosine similarity reaches `threshold`; otherwise it
    stays -1, to be grouped with the other new items.
    """
    labels = np.asarray(labels)
    keys = sorted(set(labels.tolist()) - {-1})
    result = labels.copy()
    new = np.nonzero(labels == -1)[0]
    if not keys or len(new) == 0:
        return result
    from sklearn.preprocessing import normalize

    centroids = normalize(np.stack([space.vectors[labels == key].mean(axis=0) for key in keys]))
    similarity = space.vectors[new] @ centroids.T
    best = similarity.argmax(axis=1)
    close = similarity[np.arange(len(new)), best] >= threshold
    result[new[close]] = np.asarray(keys)[best[close]]
    return result


def representatives(space, rows, count=3):
    """The rows of a theme closest to its centroid (its most representative quotes)."""
    from sklearn.preprocessing import normalize

    rows = np.asarray(rows)
    centroid = normalize(space.vectors[rows].mean(axis=0)[None, :])[0]
    order = np.argsort(-(space.vectors[rows] @ centroid))
    return rows[order[:count]].tolist()


def theme_name(terms):
    return " · ".join(terms[:3]).capitalize() if terms else "Unnamed theme"


# Ranking.

REFUND_WORDS = re.compile(
    r"\b(refund|money back|chargeback|cancel\w*|unsubscrib\w*|close my account|"
    r"rembours\w*|annul\w*|résili\w*|resili\w*|désabonn\w*)",
    re.IGNORECASE,
)
ANGRY_WORDS = re.compile(
    r"\b(angry|furious|ridiculous|unacceptable|terrible|awful|worst|useless|scam|never again|"
    r"disgust\w*|fed up|joke|inadmissible|scandal\w*|honte|nul|nulle|arnaque|furieu\w*|"
    r"énervé\w*|enerve\w*|inacceptable|lamentable|jamais plus)\b|!{2,}|\?{2,}",
    re.IGNORECASE,
)
RECENT_DAYS = 30
LOW_RATING = 2


@dataclass
class ThemeSignals:
    size: int
    recent: int  # items dated in the last RECENT_DAYS of the inbox
    rated: int
    low_rated: int  # rating at or below LOW_RATING (out of 5)
    refunds: int  # mentions of refunds or cancellations
    angry: int


WORDING_SAMPLE = 2_000


def signals_of(texts, ages_in_days, ratings, seed=0):
    """The signals of a theme; refund and angry words are counted on a random sample of
    WORDING_SAMPLE texts of a larger theme and scaled (they only enter the score as shares)."""
    sample = texts
    if len(texts) > WORDING_SAMPLE:
        sample = random.Random(seed).sample(texts, WORDING_SAMPLE)
    scale = len(texts) / len(sample) if sample else 0
    return ThemeSignals(
        size=len(texts),
        recent=sum(1 for age in ages_in_days if age is not None and age <= RECENT_DAYS),
        rated=sum(1 for rating in ratings if rating is not None),
        low_rated=sum(1 for rating in ratings if rating is not None and rating <= LOW_RATING),
        refunds=round(scale * sum(1 for text in sample if REFUND_WORDS.search(text))),
        angry=round(scale * sum(1 for text in sample if ANGRY_WORDS.search(text))),
    )


def theme_score(signals):
    """volume × recency × severity, as documented in docs/friction.md.

    - volume: log2(1 + items), so that a theme twice as large does not drown every signal;
    - recency: 0.5 + the share of items from the last 30 days (0.5 to 1.5);
    - severity: 1 + the share of rated items rated 2 or less + the share mentioning a refund
      or a cancellation + the share with angry words (1 to 4).
    """
    if signals.size == 0:
        return 0.0
    volume = math.log2(1 + signals.size)
    recency = 0.5 + signals.recent / signals.size
    low = signals.low_rated / signals.rated if signals.rated else 0.0
    severity = 1 + low + signals.refunds / signals.size + signals.angry / signals.size
    return round(volume * recency * severity, 3)


# Baseline for the quality test.


def keyword_baseline(texts, k):
    """Group texts by the first of the k most frequent content words each contains.

    The comparison point of the quality test: what a designer gets by searching the inbox
    for its most common words. Texts with none of them form one more group.
    """
    frequency = Counter()
    per_text = []
    stop = stop_words()
    for text in texts:
        words = [w for w in words_of(text) if w not in stop and len(w) > 2]
        per_text.append(words)
        frequency.update(set(words))
    keywords = [word for word, _ in frequency.most_common(k)]
    labels = []
    for words in per_text:
        present = set(words)
        labels.append(next((i for i, word in enumerate(keywords) if word in present), k))
    return labels
