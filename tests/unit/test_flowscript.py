import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prototypes.flowscript import (
    MAX_ANSWER_CHARS,
    MAX_PATTERN_CHARS,
    MAX_SCRIPT_CHARS,
    MAX_STEPS,
    PATTERN_TIMEOUT_SECONDS,
    BotMessage,
    Choice,
    Flow,
    ImagePlaceholder,
    ListWidget,
    Route,
    ScriptError,
    ScriptWarning,
    Step,
    Text,
    TextField,
    parse,
    render_script,
    route_answer,
    validate,
)

DEMO_SCRIPT = Path(__file__).parents[2] / "prototypes" / "demo_scripts" / "order_assistant.flow"


def parse_error(text):
    with pytest.raises(ScriptError) as caught:
        parse(text)
    return caught.value


def only_step(text):
    return parse(text).steps[0]


# --- Steps and the script title -----------------------------------------------------------------


def test_header_gives_name_and_title_and_first_step_is_the_start():
    flow = parse("== start: Welcome\n> Go -> next\n== next: Next page [success]\n")
    assert flow.start == "start"
    assert [step.name for step in flow.steps] == ["start", "next"]
    assert flow.step("start").title == "Welcome"
    assert flow.step("start").kind == "page"
    assert flow.step("start").ending is None
    assert flow.step("next").ending == "success"
    assert flow.title is None


def test_header_title_is_optional_and_whitespace_is_forgiven():
    flow = parse("   ==start   [failure]\n====   other :   Two words : colon   \n")
    assert flow.step("start").title is None
    assert flow.step("start").ending == "failure"
    assert flow.step("other").title == "Two words : colon"


def test_tags_are_case_insensitive_and_can_be_combined():
    step = only_step("== bye: Bye [ Chat ] [SUCCESS]")
    assert step.kind == "chat"
    assert step.ending == "success"


def test_step_records_its_line():
    flow = parse("# comment\n\n== a\n> x -> b\n\n== b [success]\n")
    assert flow.step("a").line == 3
    assert flow.step("b").line == 6


def test_step_lookup_raises_key_error_for_unknown_names():
    flow = parse("== a [success]")
    with pytest.raises(KeyError, match="no step named 'missing'"):
        flow.step("missing")


def test_script_title_comes_before_the_first_step():
    flow = parse("# notes\ntitle:   Order assistant  \n\n== a [success]\n")
    assert flow.title == "Order assistant"


def test_comments_are_ignored_everywhere():
    step = only_step("# top\n== a\n  # indented comment\nHello\n#> not a choice -> b\n")
    assert step.blocks == (Text("Hello"),)
    assert step.choices == ()


def test_windows_and_old_mac_line_endings_are_accepted():
    flow = parse("== a\r\n> go -> b\r== b [success]\r\n")
    assert [step.name for step in flow.steps] == ["a", "b"]
    assert flow.step("b").line == 3


# --- Content blocks ---------------------------------------------------------------------------


def test_plain_lines_are_text_blocks_one_per_line():
    step = only_step("== a\nFirst paragraph.\n   Second paragraph.   \n")
    assert step.blocks == (Text("First paragraph."), Text("Second paragraph."))
    assert step.blocks[1].line == 3


def test_bot_lines_are_messages_and_make_a_chat_step():
    step = only_step("== a\nbot: Hi there!\nBOT :How can I help?\n")
    assert step.kind == "chat"
    assert step.blocks == (BotMessage("Hi there!"), BotMessage("How can I help?"))


def test_chat_tag_makes_a_chat_step_without_bot_messages():
    assert only_step("== a [chat]\n? * -> a").kind == "chat"


def test_list_items_group_into_one_list_until_a_blank_or_other_line():
    step = only_step(
        "== a\n- one\n-\ttwo\n# comments do not end a list\n- three\n\n- four\nText\n- five"
    )
    assert step.blocks == (
        ListWidget(("one", "two", "three")),
        ListWidget(("four",)),
        Text("Text"),
        ListWidget(("five",)),
    )
    assert step.blocks[0].line == 2


def test_a_dash_without_a_space_is_text():
    assert only_step("== a\n-5 degrees\n--").blocks == (Text("-5 degrees"), Text("--"))


def test_field_and_image_lines_are_widgets_and_may_be_blank():
    step = only_step("== a\nfield: Order number\nimage: Map of the depot\nfield:\nImage:")
    assert step.blocks == (
        TextField("Order number"),
        ImagePlaceholder("Map of the depot"),
        TextField(""),
        ImagePlaceholder(""),
    )


def test_backslash_makes_the_rest_of_the_line_plain_text():
    step = only_step("== a\n\\> not a choice\n\\bot: not a bot\n\\# not a comment\n\\\\double")
    assert step.blocks == (
        Text("> not a choice"),
        Text("bot: not a bot"),
        Text("# not a comment"),
        Text("\\double"),
    )


def test_blocks_keep_script_order():
    step = only_step("== a\nbot: hi\nimage: map\nSome text\n- item\nfield: name")
    assert [type(block) for block in step.blocks] == [
        BotMessage,
        ImagePlaceholder,
        Text,
        ListWidget,
        TextField,
    ]


# --- Choices and answer routes -----------------------------------------------------------------


def test_choice_has_label_and_target():
    step = only_step("== a\n>   Where is my order?   ->   order_status  \n> Back->a")
    assert step.choices == (Choice("Where is my order?", "order_status"), Choice("Back", "a"))
    assert step.choices[0].line == 2


def test_choice_label_may_contain_an_arrow():
    assert only_step("== a\n> Go -> there -> b").choices == (Choice("Go -> there", "b"),)


def test_keyword_route_is_stored_in_canonical_form():
    step = only_step("== a [chat]\n?  Where ,track,   my   order, -> b")
    assert step.routes == (Route("keywords", "Where, track, my order", "b"),)
    assert step.routes[0].keywords == ("Where", "track", "my order")


def test_pattern_route_keeps_the_pattern_between_the_slashes():
    step = only_step("== a [chat]\n? /\\b\\d{6}\\b/ -> status\n? /a->b/ -> c")
    assert step.routes == (
        Route("pattern", "\\b\\d{6}\\b", "status"),
        Route("pattern", "a->b", "c"),
    )
    assert step.routes[0].keywords == ()


def test_star_route_is_the_fallback():
    step = only_step("== a [chat]\n? * -> sorry\n? yes -> b")
    assert step.fallback == "sorry"
    assert step.fallback_line == 2
    assert step.routes == (Route("keywords", "yes", "b"),)


def test_targets_lists_choices_then_routes_then_fallback_with_lines():
    step = only_step("== a [chat]\n? * -> z\n> x -> b\n? y -> c")
    assert step.targets == [("b", 3), ("c", 4), ("z", 2)]


# --- Routing typed answers ----------------------------------------------------------------------

ROUTING = """
== ask [chat]
bot: What can I do for you?
? /\\b\\d{6}\\b/ -> status
? where, track, my order -> where
? change address -> address
? * -> sorry
"""


@pytest.mark.parametrize(
    ("answer", "target"),
    [
        ("It's 482913", "status"),
        ("order 4829131", "sorry"),  # seven digits, and "order" without "my"
        ("WHERE is it?", "where"),
        ("Can you track it", "where"),
        ("what about MY   Order", "where"),
        ("please change the address", "sorry"),
        ("change address please", "address"),
        ("tracking", "sorry"),
        ("", "sorry"),
    ],
)
def test_route_answer(answer, target):
    flow = parse(ROUTING)
    assert route_answer(flow.step("ask"), answer) == target


def test_first_matching_route_wins():
    step = only_step("== a [chat]\n? yes -> first\n? /ye/ -> second")
    assert route_answer(step, "yes") == "first"
    assert route_answer(step, "yeah") == "second"


def test_patterns_ignore_case():
    assert route_answer(only_step("== a [chat]\n? /^ok$/ -> b"), "OK") == "b"


def test_keywords_compare_casefolded_words():
    step = only_step("== a [chat]\n? Straße, e-mail -> b")
    assert route_answer(step, "STRASSE 5") == "b"
    assert route_answer(step, "send an E-Mail") == "b"
    assert route_answer(step, "emails") is None


def test_no_match_and_no_fallback_gives_none():
    assert route_answer(only_step("== a [chat]\n? yes -> b"), "no") is None


@pytest.mark.parametrize("pattern", [r"(a|a)+b", r"\d*\d*\d*\d*!"])
def test_patterns_that_take_too_long_count_as_not_matching(pattern):
    # Both backtrack for minutes on a long answer with Python's re module.
    step = only_step(f"== a [chat]\n? /{pattern}/ -> slow\n? * -> fallback")
    started = time.perf_counter()
    assert route_answer(step, "a1" * 5 + "a" * 60 + "1" * 200) == "fallback"
    assert time.perf_counter() - started < 20 * PATTERN_TIMEOUT_SECONDS


def test_only_the_start_of_a_long_answer_is_matched():
    step = only_step("== a [chat]\n? /needle/ -> b\n? * -> c")
    assert route_answer(step, "x" * (MAX_ANSWER_CHARS - 6) + "needle") == "b"
    assert route_answer(step, "x" * MAX_ANSWER_CHARS + "needle") == "c"


# --- Errors -------------------------------------------------------------------------------------


def test_script_error_formats_line_and_column():
    error = ScriptError("bad thing", 3, 7)
    assert (error.message, error.line, error.column) == ("bad thing", 3, 7)
    assert str(error) == "line 3, column 7: bad thing"
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("script", "line", "column", "message"),
    [
        ("", 1, 1, "the script has no steps; start one with a line like '== start: Welcome'"),
        ("# only\ntitle: T\n", 1, 1, "the script has no steps"),
        ("Hello\n== a", 1, 1, "this line is outside any step; start a step first"),
        ("  > x -> a\n== a", 1, 3, "this line is outside any step"),
        ("== a\n== b\n== a: Again", 3, 1, "step 'a' is defined twice (first on line 1)"),
        ("== : Welcome", 1, 1, "a step needs a name, like '== start: Welcome'"),
        ("==", 1, 1, "a step needs a name"),
        ("== my step: Welcome", 1, 4, "'my step' is not a valid step name; use letters, digits"),
        ("== a [done]", 1, 6, "unknown tag '[done]'; a step can be tagged [chat], [wizard]"),
        ("== a: Step [2]", 1, 12, "unknown tag '[2]'"),
        ("== a [success][failure]", 1, 6, "a step cannot be both [success] and [failure]"),
        ("title: A\ntitle: B\n== a", 2, 1, "the script title is set twice (first on line 1)"),
        ("title:\n== a", 1, 1, "'title:' needs the script's title after it"),
        ("== a\n  title: T", 2, 3, "'title:' names the whole script and belongs before"),
        ("== a\n- ", 2, 1, "a list item needs text after '-'"),
        ("== a\n bot:  ", 2, 2, "a bot message needs text after 'bot:'"),
        ("== a\n\\", 2, 1, "a '\\' line needs text after it"),
        ("== a\n> Go to b", 2, 1, "a choice needs '-> step_name'"),
        ("== a\n> Go ->  ", 2, 6, "a choice needs a step name after '->'"),
        ("== a\n>  -> b", 2, 1, "a choice needs a label before '->'"),
        ("== a\n> Go -> b c", 2, 9, "'b c' is not a valid step name"),
        ("== a\n? yes", 2, 1, "an answer route needs '-> step_name'"),
        ("== a\n? yes ->", 2, 7, "an answer route needs a step name after '->'"),
        ("== a\n?-> b", 2, 1, "an answer route needs keywords, a /pattern/ or * before '->'"),
        ("== a\n? , , -> b", 2, 3, "an answer route needs keywords, a /pattern/ or *"),
        ("== a\n? * -> b\n? * -> c", 3, 3, "step 'a' already has a fallback (line 2)"),
        ("== a\n? yes|no -> b", 2, 3, "keywords may contain only letters, digits, spaces"),
        ('== a\n? "yes" -> b', 2, 3, "keywords may contain only letters"),
        ("== a\n? yes, -- -> b", 2, 3, "the keyword '--' needs at least one letter or digit"),
        ("== a\n? /abc -> b", 2, 7, "a pattern must end with '/'"),
        ("== a\n? / -> b", 2, 4, "a pattern must end with '/'"),
        ("== a\n? // -> b", 2, 3, "the pattern between the slashes is empty"),
        ("== a\n? /ab[c/ -> b", 2, 8, "invalid pattern: unterminated character set"),
        ("== a\n? /a{2,1}/ -> b", 2, 6, "invalid pattern: min repeat greater than max repeat"),
        ("== a\n? /a{99999999999999999999}/ -> b", 2, 6, "invalid pattern: repeat count too big"),
        ("== a\n? /(a+)+$/ -> b", 2, 8, "a repeated group that itself contains a repeat"),
        ("== a\n? /((a*)b)*/ -> b", 2, 11, "a repeated group that itself contains a repeat"),
        ("== a\n? /(?:x|y+){2,}/ -> b", 2, 12, "a repeated group that itself contains"),
    ],
)
def test_error_messages(script, line, column, message):
    error = parse_error(script)
    assert error.message.startswith(message)
    assert (error.line, error.column) == (line, column)


def test_long_patterns_are_refused():
    pattern = "a" * (MAX_PATTERN_CHARS + 1)
    error = parse_error(f"== a\n? /{pattern}/ -> b")
    assert error.message == f"a pattern can be at most {MAX_PATTERN_CHARS} characters long"
    parse(f"== a [chat]\n? /{pattern[1:]}/ -> b\n== b [success]")


@pytest.mark.parametrize(
    "pattern",
    [
        r"\b\d{6}\b",
        r"(\d{3})+",
        r"(ab)+c*",
        r"(a+)?",
        r"(a{1,1})+",
        r"[(a+)]+",
        r"(?:yes|yeah)+",
        r"\(a+\)+",
    ],
)
def test_patterns_without_nested_repeats_are_accepted(pattern):
    assert only_step(f"== a [chat]\n? /{pattern}/ -> b").routes[0].value == pattern


def test_script_size_is_limited():
    error = parse_error("#" * (MAX_SCRIPT_CHARS + 1))
    assert (error.line, error.column) == (1, 1)
    assert error.message == f"the script is longer than {MAX_SCRIPT_CHARS:,} characters"


def test_step_count_is_limited():
    headers = [f"== s{number} [success]" for number in range(MAX_STEPS)]
    assert len(parse("\n".join(headers)).steps) == MAX_STEPS
    error = parse_error("\n".join([*headers, "== one_too_many"]))
    assert (error.line, error.column) == (MAX_STEPS + 1, 1)
    assert error.message == f"a script can have at most {MAX_STEPS:,} steps"


# --- Warnings -----------------------------------------------------------------------------------


def test_a_sound_flow_has_no_warnings():
    assert validate(parse("== a\n> x -> b\n> y -> c\n== b [success]\n== c [failure]")) == []


def test_missing_targets_are_warnings_at_the_line_that_names_them():
    flow = parse("== a [chat]\n> x -> nowhere\n? yes -> b\n? * -> gone\n== b [success]")
    assert validate(flow) == [
        ScriptWarning(2, "step 'a' leads to 'nowhere', which does not exist"),
        ScriptWarning(4, "step 'a' leads to 'gone', which does not exist"),
    ]


def test_unreachable_steps_are_reported():
    flow = parse("== a\n> x -> b\n== b [success]\n== island [failure]")
    assert validate(flow) == [
        ScriptWarning(4, "step 'island' cannot be reached from the start step 'a'"),
    ]


def test_dead_ends_are_reported():
    flow = parse("== a\n> x -> b\n> y -> c\n== b: Stuck\n== c [success]")
    assert validate(flow) == [
        ScriptWarning(
            4,
            "step 'b' is a dead end: add a choice or an answer route, or tag it [success] or "
            "[failure]",
        )
    ]


def test_loops_with_no_way_out_are_reported_for_each_trapped_step():
    script = "== a\n> x -> b\n> y -> done\n== b\n> z -> c\n== c\n> back -> b\n== done [success]"
    assert validate(parse(script)) == [
        ScriptWarning(
            4, "no ending can be reached from step 'b': every way on loops back or stops"
        ),
        ScriptWarning(
            6, "no ending can be reached from step 'c': every way on loops back or stops"
        ),
    ]


def test_a_step_leading_only_into_a_dead_end_is_trapped_too():
    flow = parse("== a\n> x -> b\n> y -> done\n== b\n> z -> stuck\n== stuck\n== done [success]")
    messages = [warning.message for warning in validate(flow)]
    assert "no ending can be reached from step 'b': every way on loops back or stops" in messages
    assert any(message.startswith("step 'stuck' is a dead end") for message in messages)
    assert len(messages) == 2


def test_a_script_without_endings_gets_one_warning():
    flow = parse("== a\n> x -> b\n== b\n> y -> a")
    assert validate(flow) == [
        ScriptWarning(
            1, "the script has no ending step; tag at least one step [success] or [failure]"
        )
    ]


def test_page_steps_routing_answers_need_a_text_field():
    flow = parse("== a: Form\n? * -> b\n== b [success]")
    assert validate(flow) == [
        ScriptWarning(
            1,
            "page step 'a' routes typed answers but has no text field; add 'field: ...' or tag "
            "the step [chat]",
        )
    ]
    assert validate(parse("== a: Form\nfield: Name\n? * -> b\n== b [success]")) == []


def test_warnings_are_ordered_by_line_and_print_their_line():
    flow = parse("== a\n> x -> missing\n== b\n== c [success]")
    warnings = validate(flow)
    assert [warning.line for warning in warnings] == sorted(warning.line for warning in warnings)
    assert (
        str(warnings[0])
        == "line 1: no ending can be reached from step 'a': every way on loops back or stops"
    )


# --- Printing -----------------------------------------------------------------------------------


def test_render_script_prints_canonical_text():
    flow = parse(
        "title:Demo\n==a:Hello[chat]\n?*->b\n==b:Form\n- x\n\n- y\nfield:\nbot:hi\n"
        "> go->c\n?/\\d+/->c\n?yes,  no ->c\n\\== not a header\n==c[failure]"
    )
    assert render_script(flow) == (
        "title: Demo\n"
        "\n"
        "== a: Hello [chat]\n"
        "? * -> b\n"
        "\n"
        "== b: Form\n"
        "- x\n"
        "\n"
        "- y\n"
        "field:\n"
        "bot: hi\n"
        "\\== not a header\n"
        "> go -> c\n"
        "? /\\d+/ -> c\n"
        "? yes, no -> c\n"
        "\n"
        "== c [failure]\n"
    )


def test_flows_compare_equal_regardless_of_line_numbers():
    assert parse("== a\n\n\n> x -> a") == parse("\n\n== a\n> x -> a")


# --- The demo script ----------------------------------------------------------------------------


def test_demo_order_assistant_parses_without_warnings():
    flow = parse(DEMO_SCRIPT.read_text(encoding="utf-8"))
    assert validate(flow) == []
    assert flow.title == "Parcel, the order-status assistant"
    assert flow.start == "start"
    assert {step.ending for step in flow.steps} == {None, "success", "failure"}
    assert flow.step("start").kind == "chat"
    assert flow.step("change_address").kind == "page"


@pytest.mark.parametrize(
    ("step", "answer", "target"),
    [
        ("start", "Where is my parcel?", "ask_order_number"),
        ("start", "I want to speak to a human", "handoff"),
        ("start", "What's the weather like?", "not_understood"),
        ("ask_order_number", "It's 482913", "order_status"),
        ("ask_order_number", "48291", "wrong_number"),
        ("ask_order_number", "I don't know", "handoff"),
        ("wrong_number", "sorry, 482913", "order_status"),
        ("wrong_number", "no idea", "handoff"),
        ("order_status", "Can you deliver it to my office?", "change_address"),
        ("order_status", "Thank you!", "done"),
    ],
)
def test_demo_order_assistant_routes_typed_answers(step, answer, target):
    flow = parse(DEMO_SCRIPT.read_text(encoding="utf-8"))
    assert route_answer(flow.step(step), answer) == target


# --- Properties ---------------------------------------------------------------------------------


def assert_parses_or_fails_cleanly(text):
    """parse() returns a Flow that survives the round trip, or raises ScriptError pointing
    inside the script; anything else is a bug."""
    try:
        flow = parse(text)
    except ScriptError as error:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        assert 1 <= error.line <= len(lines)
        assert 1 <= error.column <= len(lines[error.line - 1]) + 1
        return
    validate(flow)
    assert parse(render_script(flow)) == flow
    for step in flow.steps:
        route_answer(step, text[:100])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_parses_or_raises_script_error(text):
    assert_parses_or_fails_cleanly(text)


TOKENS = [
    "==",
    "=",
    "start",
    "done",
    "x-1",
    ":",
    " ",
    "\t",
    "Welcome",
    "[chat]",
    "[success]",
    "[failure]",
    "[oops]",
    "[",
    "]",
    ">",
    "?",
    "->",
    "-",
    "*",
    "/",
    "\\",
    "\\d{6}",
    "(a+)+",
    "(",
    ")",
    "{2,}",
    "|",
    ",",
    "'",
    "bot:",
    "field:",
    "image:",
    "title:",
    "#",
    "where",
    "don't",
    "é",
    "\x00",
    "\u2028",
    "\r",
]
near_valid_lines = st.lists(st.sampled_from(TOKENS), max_size=7).map("".join)
near_valid_scripts = st.lists(near_valid_lines, max_size=12).map("\n".join)


@settings(max_examples=500)
@given(near_valid_scripts)
def test_near_valid_scripts_parse_or_raise_script_error(text):
    assert_parses_or_fails_cleanly(text)


@settings(max_examples=200)
@given(st.lists(near_valid_lines, max_size=12))
def test_scripts_with_a_header_first_parse_or_raise_script_error(lines):
    assert_parses_or_fails_cleanly("\n".join(["== start: Welcome", *lines]))


def one_line_text(min_size=1):
    """Text as the parser keeps it: one line, no surrounding whitespace."""
    text = st.text(st.characters(exclude_characters="\r\n"), max_size=30).map(str.strip)
    return text.filter(lambda value: len(value) >= min_size)


def header_title():
    # A title ending in something like "[word]" would be read as a tag.
    return one_line_text().filter(lambda value: not re.search(r"\[\s*\w+\s*\]\s*\Z", value))


names = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,12}", fullmatch=True)
keyword = st.from_regex(r"[\w'-]+( [\w'-]+){0,2}", fullmatch=True).filter(
    lambda value: re.search(r"\w", value)
)
patterns = st.sampled_from(
    [r"\b\d{6}\b", r"^yes", "a->b", " spaced ", r"(?:foo|bar)+", "/", "x/y", r"[\]/]", "é"]
)
blocks = st.one_of(
    one_line_text().map(Text),
    one_line_text().map(BotMessage),
    st.lists(one_line_text(), min_size=1, max_size=3).map(lambda items: ListWidget(tuple(items))),
    one_line_text(min_size=0).map(TextField),
    one_line_text(min_size=0).map(ImagePlaceholder),
)


@st.composite
def steps(draw, name, target_names):
    step_blocks = tuple(draw(st.lists(blocks, max_size=5)))
    if any(isinstance(block, BotMessage) for block in step_blocks):
        kind = "chat"
    else:
        kind = draw(st.sampled_from(["page", "chat"]))
    targets = st.sampled_from(target_names)
    routes = st.one_of(
        st.builds(
            Route,
            st.just("keywords"),
            st.lists(keyword, min_size=1, max_size=3).map(", ".join),
            targets,
        ),
        st.builds(Route, st.just("pattern"), patterns, targets),
    )
    return Step(
        name=name,
        title=draw(st.none() | header_title()),
        kind=kind,
        blocks=step_blocks,
        choices=tuple(draw(st.lists(st.builds(Choice, one_line_text(), targets), max_size=3))),
        routes=tuple(draw(st.lists(routes, max_size=3))),
        fallback=draw(st.none() | targets),
        ending=draw(st.sampled_from([None, "success", "failure"])),
        wizard=draw(st.booleans()),
    )


@st.composite
def flows(draw):
    step_names = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    # Targets may name steps that do not exist: that is a warning, not a parse error.
    target_names = [*step_names, "missing_step"]
    return Flow(
        steps=tuple(draw(steps(name, target_names)) for name in step_names),
        title=draw(st.none() | one_line_text()),
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(flows())
def test_rendered_flows_parse_back_to_the_same_flow(flow):
    text = render_script(flow)
    assert parse(text) == flow
    assert render_script(parse(text)) == text


# --- Steps answered by a person ----------------------------------------------------------------


def test_a_step_tagged_wizard_is_answered_by_a_person_and_keeps_its_other_tags():
    flow = parse(
        "== start: Parcel [wizard]\nbot: Hi!\n? * -> done\n\n"
        "== done: Thanks [chat] [wizard] [success]\n"
    )
    assert flow.step("start").wizard
    assert flow.step("start").kind == "chat"
    done = flow.step("done")
    assert (done.wizard, done.kind, done.ending) == (True, "chat", "success")


def test_a_step_without_the_wizard_tag_is_answered_by_the_script():
    assert not parse("== start\n> Go -> start\n").step("start").wizard


def test_the_wizard_tag_survives_printing_and_reading_again():
    flow = parse("== start: Hello [wizard]\nbot: Hi\n? * -> start\n")
    assert "== start: Hello [wizard]" in render_script(flow)
    assert parse(render_script(flow)) == flow


def test_a_wizard_step_without_a_fallback_is_warned_about():
    flow = parse("== start [wizard]\nbot: Hi\n? yes -> done\n\n== done [success]\n")
    messages = [warning.message for warning in validate(flow)]
    assert any("wizard step 'start' has no fallback" in message for message in messages)
    with_fallback = parse("== start [wizard]\nbot: Hi\n? * -> done\n\n== done [success]\n")
    assert not any("wizard" in warning.message for warning in validate(with_fallback))
