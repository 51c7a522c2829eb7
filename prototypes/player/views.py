"""The page participants open from a share link; the JavaScript player runs the study in it."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from prototypes.authoring.models import Prototype
from prototypes.authoring.script_publish import playback_context
from prototypes.player import services
from prototypes.player.warmup import warmup_images
from prototypes.recruitment import admission
from prototypes.workspaces.access import public_view

SEQ_SCALE = range(1, 8)


@public_view
def player(request, token):
    link = services.find_link(token)
    if link is None:
        return render(request, "player/not_accepting.html", {"reason": "unknown"}, status=404)
    study = link.study
    reason = services.closing_reason(link)
    with translation.override(study.language):
        if reason is not None:
            response = render(
                request,
                "player/not_accepting.html",
                {"study": study, "reason": reason},
                status=410 if reason == "revoked" else 200,
            )
        else:
            participant_id = request.GET.get("pid", "")[: services.MAX_PARTICIPANT_ID_CHARS]
            context = {
                "study": study,
                "link": link,
                "participant_id": participant_id.replace("\x00", ""),
                "seq_scale": SEQ_SCALE,
                "strings": player_strings(),
                "scripted": study.prototype_version.prototype.kind == Prototype.Kind.SCRIPTED,
                "screener": admission.screener_questions(study),
                # A personal invitation from the panel arrives with its token.
                "invitation": request.GET.get("inv", "")[:64],
                "warmup": warmup_images(study),
            }
            if context["scripted"]:
                # Typed answers are routed by the authoring side for the session's token, which
                # the script fills in once the session has started.
                route_url = reverse("script_route", args=["SESSION"])
                context.update(playback_context(study.prototype_version, route_url))
            response = render(request, "player/player.html", context)
    response["Content-Language"] = study.language
    return response


def player_strings():
    """Messages the script fills in, translated into the active language."""
    return {
        "task_of": _("Task %(number)s of %(count)s"),
        "question_of": _("Question %(number)s of %(count)s"),
        "screen_shown": _("Screen: %(name)s"),
        "show_task": _("Show task"),
        "hide_task": _("Hide task"),
        "time_left": _("Time left: %(time)s"),
        "time_limit": _("You have %(minutes)s minutes for this task."),
        "goal_title": _("Task complete"),
        "goal_text": _("Well done: you reached the end of this task."),
        "timeout_title": _("Time is up"),
        "timeout_text": _("Thank you for trying. Let's move on."),
        "required": _("Please answer this question before you continue."),
        "comment_saved": _("Thank you, your comment is saved."),
        "pin_label": _("Comment pin. Use the arrow keys to move it."),
        "offline": _(
            "The connection is lost. Everything you do is kept on this device and will be "
            "sent when the connection is back."
        ),
        "start_failed": _("The study could not be started. Please try again in a moment."),
        "not_accepting": _("Sorry, this study is not accepting participants at the moment."),
        "consent_changed": _(
            "The consent text has changed since you opened this page. Please reload the page "
            "and read it again."
        ),
        # What the scripted-flow player says under the frame.
        "flow": {
            "success": _("You reached the end of this flow."),
            "failure": _("This path ends here."),
            "noMatch": _("Sorry, there is no reply to that. Try other words or a button."),
            "missingStep": _("This button does not lead anywhere yet."),
            "offline": _("Your answer could not be sent. Check the connection and try again."),
        },
        # First-click, five-second and preference tests (player-kinds.js).
        "kinds": {
            "first_click_hint": _(
                "Click or tap once, where you would. With a keyboard, choose one of the areas "
                "of the screen with Tab and press Enter."
            ),
            "first_click_regions": _("Areas of the screen"),
            "region": _("%(row)s, %(column)s"),
            "rows": [_("Top"), _("Upper middle"), _("Lower middle"), _("Bottom")],
            "columns": [_("left"), _("centre"), _("right")],
            "five_second_title": _("Look at this screen"),
            "seconds_left": _("%(seconds)s s left"),
            "why": _("Why? (optional)"),
            "choose_one": _("Please choose one of them."),
            "continue": _("Continue"),
        },
        "session_gone": _(
            "This session can no longer be continued. Thank you for your time; you can close "
            "this page."
        ),
    }
