"""The page participants open from a share link; the JavaScript player runs the study in it."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from prototypes.audio.consent import think_aloud_context
from prototypes.authoring.models import Prototype
from prototypes.authoring.script_publish import playback_context
from prototypes.player import services
from prototypes.player.ingestion import MAX_TEXT_CHARS
from prototypes.player.warmup import warmup_images
from prototypes.recruitment import admission
from prototypes.studies import participants
from prototypes.studies.models import Task
from prototypes.workspaces.access import public_view

SEQ_SCALE = range(1, 8)


@public_view
def player(request, token):
    link = participants.find_link(token)
    if link is None:
        return render(request, "player/not_accepting.html", {"reason": "unknown"}, status=404)
    study = link.study
    reason = participants.closing_reason(link)
    with translation.override(study.language):
        if reason is not None:
            response = render(
                request,
                "player/not_accepting.html",
                {"study": study, "reason": reason},
                status=410 if reason == "revoked" else 200,
            )
        else:
            participant_id = request.GET.get("pid", "")[: participants.MAX_PARTICIPANT_ID_CHARS]
            context = {
                "study": study,
                "link": link,
                "participant_id": participant_id.replace("\x00", ""),
                "seq_scale": SEQ_SCALE,
                "length": services.study_length(study),
                "comment_limit": MAX_TEXT_CHARS,
                "strings": player_strings(),
                "scripted": study.prototype_version.prototype.kind == Prototype.Kind.SCRIPTED,
                "screener": admission.screener_questions(study),
                # A personal invitation from the panel arrives with its token.
                "invitation": request.GET.get("inv", "")[:64],
                "warmup": warmup_images(study),
                "think_aloud": think_aloud_context(study),
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
        # How to do a task, by its kind: only a click-through task has "I'm done" and "Show task".
        "how_to": {
            Task.Kind.CLICKTHROUGH: _(
                "Use the design as you would use the real product. When you think you have "
                "finished, press “I'm done”. You can read the task again at any time with "
                "“Show task”."
            ),
            Task.Kind.FIRST_CLICK: _(
                "You will see one screen. Click or tap once, where you would to do this: your "
                "first click is your answer, and the next task follows."
            ),
            Task.Kind.FIVE_SECOND: _(
                "You will see one screen for %(seconds)s seconds only. Look at it as you would "
                "at a real product; then a few questions ask what you remember."
            ),
            Task.Kind.PREFERENCE: _(
                "You will see a few designs. Look at each of them, then choose the one you "
                "would rather use and, if you like, say why."
            ),
        },
        "goal_title": _("Task complete"),
        "goal_text": _("Well done: you reached the end of this task."),
        "timeout_title": _("Time is up"),
        "timeout_text": _("Thank you for trying. Let's move on."),
        "required": _("Please answer this question before you continue."),
        "sus_missing": _("Please answer every statement: %(missing)s still open."),
        "statement_missing": _("Please choose an answer for this statement."),
        "step_of": _("Step %(number)s of %(count)s"),
        "chars_left": _("%(left)s of %(limit)s characters left."),
        "chars_full": _("You have reached the %(limit)s-character limit."),
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
            "and read it again: your answers to the questions are kept."
        ),
        # The labels of the message's button, which reloads the page, to match the message.
        "reload_page": _("Reload the page"),
        "try_again": _("Try again"),
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
            # Tree tests and card sorts (player-navigation.js).
            "tree_hint": _(
                "Open the labels where you would look. You can go back at any time. When you "
                "are where you would find it, choose “I'd find it here”."
            ),
            "tree_where": _("Where you are"),
            "tree_home": _("Home"),
            "tree_back": _("Back to %(label)s"),
            "tree_choose": _("I'd find it here (%(label)s)"),
            "tree_under": _("Labels under %(label)s"),
            "tree_leaf": _("There is nothing further under this label."),
            "tree_skip": _("I can't find it: skip this task"),
            "sort_hint_open": _(
                "Drag each card into a group, or onto “new group” to start one. With a keyboard, "
                "choose a card, then the group to put it in, or type a name for a new group."
            ),
            "sort_hint_closed": _(
                "Drag each card into the group where you think it belongs. With a keyboard, "
                "choose a card, then the group to put it in."
            ),
            "sort_cards": _("Cards to sort"),
            "sort_drop_here": _("No cards here yet."),
            "sort_drop_new": _("Drop a card here to start a new group"),
            "sort_move_to": _("Put “%(card)s” in"),
            "sort_new_group": _("A new group named"),
            "sort_add_group": _("Create and put it there"),
            "sort_back_to_unsorted": _("Back to the cards to sort"),
            "sort_picked": _("%(card)s chosen: now choose its group."),
            "sort_placed": _("%(card)s is now in %(group)s."),
            "sort_unsorted_now": _("%(card)s is back with the cards to sort."),
            "sort_group_number": _("Group %(number)s"),
            "sort_rename": _("Name of the group %(group)s"),
            "sort_left": _("%(count)s cards are still to sort: put each in a group."),
            "sort_done": _("I'm done sorting"),
        },
        "session_gone": _(
            "This session can no longer be continued. Thank you for your time; you can close "
            "this page."
        ),
    }
