import io

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from prototypes import models


def png_bytes(size=(390, 844), color=(250, 250, 245)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.django.Password("correct horse battery staple")


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Workspace

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = models.Role.DESIGNER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")


class PrototypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Prototype

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Concept {n}")


class VersionFactory(factory.django.DjangoModelFactory):
    """A draft (number 0) unless a number is given."""

    class Meta:
        model = models.PrototypeVersion
        django_get_or_create = ["prototype", "number"]

    prototype = factory.SubFactory(PrototypeFactory)
    number = 0


class ScreenFactory(factory.django.DjangoModelFactory):
    """A processed, ready screen with a plain image."""

    class Meta:
        model = models.Screen

    version = factory.SubFactory(VersionFactory)
    name = factory.Sequence(lambda n: f"Screen {n}")
    position = factory.Sequence(lambda n: n)
    status = models.Screen.Status.READY
    width = 390
    height = 844
    image = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="screen.png"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(png_bytes((80, 172)), name="thumb.png"))


class HotspotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Hotspot

    screen = factory.SubFactory(ScreenFactory)
    label = factory.Sequence(lambda n: f"Button {n}")
    x = 0.1
    y = 0.1
    width = 0.3
    height = 0.1
    action = models.Hotspot.Action.GO_TO


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Problem

    workspace = factory.SubFactory(WorkspaceFactory)
    title = "Customers cannot find where their order is"
    who = "Online shoppers waiting for a parcel"
    what = "They call support because the order status is buried three menus deep."


class StudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Study

    workspace = factory.SubFactory(WorkspaceFactory)
    problem = factory.SubFactory(ProblemFactory, workspace=factory.SelfAttribute("..workspace"))
    prototype_version = factory.SubFactory(
        VersionFactory,
        number=1,
        prototype=factory.SubFactory(
            PrototypeFactory, workspace=factory.SelfAttribute("...workspace")
        ),
    )
    title = factory.Sequence(lambda n: f"Study {n}")


class ShareLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ShareLink

    study = factory.SubFactory(StudyFactory)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Task

    study = factory.SubFactory(StudyFactory)
    instruction = "Find out where your last order is."
    start_screen = factory.SubFactory(
        ScreenFactory, version=factory.SelfAttribute("..study.prototype_version")
    )


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Question

    study = factory.SubFactory(StudyFactory)
    kind = models.Question.Kind.OPEN
    text = "What would you change?"


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Criterion

    study = factory.SubFactory(StudyFactory)
    metric = models.Criterion.Metric.COMPLETION_RATE
    comparison = models.Criterion.Comparison.AT_LEAST
    threshold = 0.7


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ParticipantSession

    study = factory.SubFactory(StudyFactory)
    consent_version = 1
    consented_at = factory.LazyFunction(timezone.now)


class TaskAttemptFactory(factory.django.DjangoModelFactory):
    """A finished direct success of 20 seconds unless told otherwise."""

    class Meta:
        model = models.TaskAttempt

    session = factory.SubFactory(SessionFactory)
    task = factory.SubFactory(TaskFactory, study=factory.SelfAttribute("..session.study"))
    outcome = models.TaskAttempt.Outcome.DIRECT
    started_ms = 1000
    ended_ms = 21000
    clicks = 2
    misclicks = 0
    first_click_success = True


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Event

    uuid = factory.Faker("uuid4")
    session = factory.SubFactory(SessionFactory)
    type = models.Event.Type.CLICK
    t_ms = factory.Sequence(lambda n: 1000 + n * 100)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Answer

    session = factory.SubFactory(SessionFactory)
    question = factory.SubFactory(QuestionFactory, study=factory.SelfAttribute("..session.study"))
    value = "Nothing"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Comment

    session = factory.SubFactory(SessionFactory)
    screen = factory.SubFactory(
        ScreenFactory, version=factory.SelfAttribute("..session.study.prototype_version")
    )
    x = 0.5
    y = 0.5
    text = "I expected the order status here."


def published_shop_version(
    workspace,
    names=("Home", "Account", "Orders", "Order detail", "Help"),
    links=(
        ("Home", "Account"),
        ("Home", "Help"),
        ("Account", "Orders"),
        ("Orders", "Order detail"),
        ("Help", "Orders"),
    ),
):
    """A published paper prototype whose named screens are linked by go-to hotspots."""
    draft = VersionFactory(prototype=PrototypeFactory(workspace=workspace))
    screens = {
        name: ScreenFactory(version=draft, name=name, position=position)
        for position, name in enumerate(names)
    }
    for source, target in links:
        HotspotFactory(screen=screens[source], target=screens[target])
    return draft.publish()


def jpeg_bytes(size=(390, 844), color=(250, 250, 245)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def pdf_bytes(pages=3, size=(390, 844)):
    """A PDF with `pages` plain pages of different shades."""
    images = [Image.new("RGB", size, (200 + 10 * index, 220, 240)) for index in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contact

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"participant{n}@example.com")


class StudyInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StudyInvitation

    study = factory.SubFactory(StudyFactory)
    contact = factory.SubFactory(
        ContactFactory, workspace=factory.SelfAttribute("..study.workspace")
    )


class ScreenerQuestionFactory(factory.django.DjangoModelFactory):
    """Single choice between "New customer" and "Returning customer", anyone taking part."""

    class Meta:
        model = models.ScreenerQuestion

    study = factory.SubFactory(StudyFactory)
    text = "Have you ordered from us before?"
    kind = models.ScreenerQuestion.Kind.SINGLE
    choices = factory.LazyFunction(lambda: ["New customer", "Returning customer"])


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Segment

    question = factory.SubFactory(ScreenerQuestionFactory)
    study = factory.SelfAttribute("question.study")
    value = "New customer"
    quota = 2
