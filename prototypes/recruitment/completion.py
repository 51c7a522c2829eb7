"""What a participant gets on the thank-you page: a completion code, or a way back to their panel.

Kept apart from the rest of recruitment because the player's services read it, and they must
not import the modules that start sessions through them.
"""

from urllib.parse import quote

from prototypes.recruitment.models import Admission, LinkSettings
from prototypes.sessions.models import ParticipantSession


def completion_for(session):
    """{"code", "redirect_url"} for a session that finished its tasks, else None.

    The link's settings come before the study's. A `{pid}` in the redirect URL becomes the
    participant's id from their panel. A participant who finished after a quota was full is
    not counted, but did the work: they get the code too, so that their panel pays them.
    """
    if session.state != ParticipantSession.State.COMPLETED and not (
        session.state == ParticipantSession.State.SCREENED_OUT
        and Admission.objects.filter(session=session, refusal=Admission.Refusal.OVER_QUOTA).exists()
    ):
        return None
    study = session.study
    code, redirect_url = study.completion_code, study.redirect_url
    settings = (
        LinkSettings.objects.filter(link_id=session.share_link_id).first()
        if session.share_link_id
        else None
    )
    if settings is not None:
        code = settings.completion_code or code
        redirect_url = settings.completion_redirect_url or redirect_url
    if "{pid}" in redirect_url:
        redirect_url = redirect_url.replace(
            "{pid}", quote(session.external_participant_id, safe="")
        )
    return {"code": code, "redirect_url": redirect_url}
