"""The participant's side of a moderated session: the personal link and the small JSON API
its player uses (docs/moderated.md).

The moderated session's token in the URL is the only key, as for the player's own API. A
participant is sent the facilitator's commands and the wizard's answers to their own turns,
never the notes.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from prototypes.flowscript import MAX_ANSWER_CHARS, ScriptError
from prototypes.live import channel
from prototypes.moderation import services
from prototypes.moderation.models import ModeratedSession, WizardTurn
from prototypes.player.api import MAX_TOKEN_CHARS, error, participant_endpoint
from prototypes.player.views import render_player
from prototypes.ratelimit import Limit
from prototypes.workspaces.access import public_view

# The player asks for commands every couple of seconds when no push reaches it.
PARTICIPANT_LIMIT = Limit("moderated-participant", requests=300, seconds=60)


def per_moderated_session(request, token):
    return PARTICIPANT_LIMIT, token[:MAX_TOKEN_CHARS]


def find(token):
    if "\x00" in token:
        # PostgreSQL cannot compare text holding a NUL: no token holds one.
        return None
    return (
        ModeratedSession.objects.select_related(
            "share_link__study__prototype_version__prototype", "participant_session"
        )
        .filter(token=token[:MAX_TOKEN_CHARS])
        .first()
    )


@public_view
def moderated_player(request, token):
    """The participant's personal link: the study's player, with the facilitator's side."""
    moderated = find(token)
    if moderated is None:
        return render(request, "player/not_accepting.html", {"reason": "unknown"}, status=404)
    urls = {
        "attach": reverse("moderated_api_attach", args=[moderated.token]),
        "commands": reverse("moderated_api_commands", args=[moderated.token]),
        "stream": reverse("moderated_api_stream", args=[moderated.token]),
        "route": reverse("moderated_api_route", args=[moderated.token]),
        "turn": reverse("moderated_api_turn", args=[moderated.token]),
    }
    return render_player(
        request,
        moderated.share_link,
        "moderation/participant.html",
        {"moderation_urls": urls},
    )


@require_POST
@csrf_exempt
@public_view
@participant_endpoint(per_moderated_session)
def attach(request, token):
    """The player started (or resumed) its session: the facilitator follows that one."""
    moderated = find(token)
    if moderated is None:
        return error("No such session.", 404)
    session_token = request.POST.get("session", "")[:MAX_TOKEN_CHARS]
    if "\x00" in session_token or not services.attach(moderated, session_token):
        return error("That session was not started from this link.", 400)
    return JsonResponse(where_it_stands(moderated, 0))


@require_GET
@never_cache
@public_view
@participant_endpoint(per_moderated_session)
def commands(request, token):
    """The facilitator's commands after id `after`, whether a facilitator is here, the state."""
    moderated = find(token)
    if moderated is None:
        return error("No such session.", 404)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        return error("after must be the id of the last command seen.", 400)
    return JsonResponse(where_it_stands(moderated, after))


@require_GET
@public_view
@participant_endpoint(per_moderated_session)
def command_stream(request, token):
    """The facilitator's commands as server-sent events, after those the player has seen."""
    moderated = find(token)
    if moderated is None:
        return error("No such session.", 404)
    return channel.stream(
        request,
        services.participant_topic(moderated.pk),
        lambda last_event_id: services.command_catch_up(moderated, last_event_id),
    )


def where_it_stands(moderated, after):
    """The state as of the command `last` (a player drops an answer older than what the push
    already brought it)."""
    last = moderated.commands.order_by("-id").values_list("id", flat=True).first() or 0
    return {
        "state": moderated.state,
        "facilitator": services.is_facilitated(moderated),
        "last": last,
        "commands": services.commands_after(moderated, after),
    }


@require_POST
@csrf_exempt
@public_view
@participant_endpoint(per_moderated_session)
def route(request, token):
    """Where an answer on a step leads ({"target"}), or a wizard turn to wait for ({"turn"})."""
    moderated = find(token)
    if moderated is None or moderated.participant_session is None:
        return error("No such session.", 404)
    if not moderated.participant_session.is_open:
        return error("This session is over.", 404)
    step = request.POST.get("step", "")
    text = request.POST.get("text", "")[:MAX_ANSWER_CHARS]
    choice = request.POST.get("choice")
    if "\x00" in step or "\x00" in text:
        return error("An answer cannot hold a NUL character.", 400)
    try:
        choice = int(choice) if choice not in (None, "") else None
        if choice is not None and choice < 0:
            # A negative index would pick a choice from the end, one never pressed.
            raise IndexError(choice)
        answer = services.route(moderated, step, text, choice)
    except (ValueError, IndexError):
        return error("choice must be the number of one of the step's choices.", 400)
    except KeyError:
        return error(f"There is no step named {step!r}.", 400)
    except ScriptError:
        return error("This prototype's script cannot be read.", 400)
    return JsonResponse(answer)


@require_GET
@never_cache
@public_view
@participant_endpoint(per_moderated_session)
def turn(request, token):
    """The wizard turn `id` as it stands; past its deadline it is settled by the script's
    fallback."""
    moderated = find(token)
    turn_pk = request.GET.get("id", "")
    found = (
        moderated
        # isdigit() alone takes "²", which is no number to look up.
        and turn_pk.isascii()
        and turn_pk.isdigit()
        and WizardTurn.objects.filter(moderated=moderated, pk=turn_pk).first()
    )
    if not found:
        return error("No such turn.", 404)
    return JsonResponse({"turn": services.settle(found, timezone.now()).outcome()})
