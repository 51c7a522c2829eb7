"""The player page's stylesheets, carried in the page itself.

Stylesheets block the first paint, and on a phone network each request waits a round trip
before its first byte (562 ms on Chrome's Fast 3G): served as files, the welcome page showed
after two round trips, in the page it shows after one. They add some 15 KiB to the compressed
page, which a participant opens once: there is no cache to lose. The CSP lets the one <style>
element in by the request's nonce.
"""

from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe

# In the order the page used to link them: later rules win.
PLAYER_STYLESHEETS = (
    "vendor/pico-2.1.1.min.css",
    "css/app.css",
    "prototypes/player.css",
    "prototypes/player-kinds.css",
    "prototypes/player-navigation.css",
)
# A scripted prototype's flow draws its sketchy device frame; after the player's own rules.
SCRIPTED_STYLESHEETS = ("prototypes/sketchy.css",)


def player_stylesheets(scripted):
    """The text of the player's stylesheets, one after the other, safe to put in <style>."""
    names = list(PLAYER_STYLESHEETS)
    if scripted:
        names[3:3] = SCRIPTED_STYLESHEETS
    read = _read if settings.DEBUG else _read_once
    return mark_safe("\n".join(read(name) for name in names))


def _read(name):
    path = finders.find(name)
    if path is None:
        raise FileNotFoundError(f"No static file {name} for the player page.")
    with open(path, encoding="utf-8") as file:
        text = file.read()
    # Nothing in a stylesheet may close the element that carries it.
    if "</" in text:
        raise ValueError(f"{name} cannot be put in a <style> element: it holds '</'.")
    return text


# Outside development the files change only with a deployment, which restarts the process.
_read_once = cache(_read)
