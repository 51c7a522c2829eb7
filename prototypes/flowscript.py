"""Flow scripts: the plain-text language designers use to write conversational and step-by-step
prototypes ("Wizard of Oz" scripts) that participants click or type through.

`parse()` turns a script into a `Flow`, `validate()` points out design problems that do not stop a
flow from loading, `route_answer()` decides where a typed answer leads, and `render_script()` prints
a `Flow` back as canonical text. The language itself is described in docs/flowscript.md.

The module does not use Django: the editor and the player build on it.
"""

import re
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property

import regex

MAX_SCRIPT_CHARS = 1_000_000
MAX_STEPS = 5_000
# Designers' patterns run against participants' typed answers on the server. A badly written
# pattern can backtrack for minutes on a long answer, so patterns go through the `regex` module
# (compatible with `re`, but with a timeout); an answer whose matching times out counts as not
# matching. Nested repeats such as (a+)+, the classic culprit, are refused when parsing so that
# designers hear about them early.
MAX_PATTERN_CHARS = 200
MAX_ANSWER_CHARS = 500
PATTERN_TIMEOUT_SECONDS = 0.05

ENDINGS = ("success", "failure")
TAGS = ("chat", "wizard", *ENDINGS)


class ScriptError(ValueError):
    """A script that cannot be read, with the 1-based line and column of the problem."""

    def __init__(self, message, line, column):
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self):
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class ScriptWarning:
    """A design problem that does not stop the flow from loading."""

    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}"


# Line numbers are left out of comparisons so that a flow equals its re-parsed canonical text.


@dataclass(frozen=True)
class Text:
    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class BotMessage:
    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ListWidget:
    items: tuple[str, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class TextField:
    label: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ImagePlaceholder:
    caption: str
    line: int = field(default=0, compare=False)


Block = Text | BotMessage | ListWidget | TextField | ImagePlaceholder


@dataclass(frozen=True)
class Choice:
    label: str
    target: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Route:
    """Where a typed answer goes. `value` is a /pattern/'s source (without the slashes) or the
    keywords in canonical form: "where, track, my order"."""

    kind: str  # "keywords" or "pattern"
    value: str
    target: str
    line: int = field(default=0, compare=False)

    @property
    def keywords(self):
        if self.kind != "keywords":
            return ()
        return tuple(self.value.split(", "))


@dataclass(frozen=True)
class Step:
    name: str
    title: str | None = None
    kind: str = "page"  # "page" or "chat"
    blocks: tuple[Block, ...] = ()
    choices: tuple[Choice, ...] = ()
    routes: tuple[Route, ...] = ()
    fallback: str | None = None
    ending: str | None = None  # None, "success" or "failure"
    # Tagged [wizard]: in a moderated session a person (the facilitator) answers what the
    # participant types or chooses here; routes, choices and the fallback become suggestions.
    wizard: bool = False
    line: int = field(default=0, compare=False)
    fallback_line: int = field(default=0, compare=False)

    @property
    def targets(self):
        """Every step name this step leads to, in script order, with the line that says so."""
        pairs = [(choice.target, choice.line) for choice in self.choices]
        pairs += [(route.target, route.line) for route in self.routes]
        if self.fallback is not None:
            pairs.append((self.fallback, self.fallback_line))
        return pairs


@dataclass(frozen=True)
class Flow:
    steps: tuple[Step, ...]
    title: str | None = None

    @property
    def start(self):
        return self.steps[0].name

    @cached_property
    def _steps_by_name(self):
        return {step.name: step for step in self.steps}

    def step(self, name):
        """The step called `name`; KeyError if there is none."""
        try:
            return self._steps_by_name[name]
        except KeyError:
            raise KeyError(f"no step named {name!r}") from None


# --- Reading ----------------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")
_TAG_AT_END = re.compile(r"\[\s*(\w+)\s*\]\s*\Z")
_PREFIX = re.compile(r"(bot|field|image|title)\s*:", re.IGNORECASE)
_KEYWORDS = re.compile(r"[\w\s,'-]+\Z")
_WORD = re.compile(r"\w+")
_HAS_WORD = re.compile(r"\w")
_COUNTED_REPEAT = re.compile(r"\{(\d*)(,?)(\d*)\}")
# Every letter _PREFIX can start with, ignoring case as it does ('İ' and 'ı' match "i"): most
# text lines start with another one and are spared the regular expression.
_PREFIX_INITIALS = frozenset("bBfFiItTİı")


def _line_kind(content):
    """What a stripped, non-empty line is. Shared by the parser and the printer, so that the
    printer knows exactly which text lines need a protecting backslash."""
    first = content[0]
    if first == "#":
        return "comment"
    if content.startswith("=="):
        return "header"
    if first == "\\":
        return "escaped"
    if first == ">":
        return "choice"
    if first == "?":
        return "route"
    if first == "-" and (len(content) == 1 or content[1].isspace()):
        return "item"
    if first in _PREFIX_INITIALS:
        match = _PREFIX.match(content)
        if match:
            return match.group(1).lower()
    return "text"


class _StepDraft:
    """A step while its lines are being read."""

    # Slots: a long script makes thousands of drafts and reads their attributes on every line.
    __slots__ = (
        "name",
        "title",
        "tags",
        "line",
        "blocks",
        "choices",
        "routes",
        "fallback",
        "fallback_line",
        "list_items",
        "list_line",
        "has_bot",
    )

    def __init__(self, name, title, tags, line):
        self.name = name
        self.title = title
        self.tags = tags
        self.line = line
        self.blocks = []
        self.choices = []
        self.routes = []
        self.fallback = None
        self.fallback_line = 0
        self.list_items = None
        self.list_line = None
        self.has_bot = False

    def add_list_item(self, item, line):
        if self.list_items is None:
            self.list_items = []
            self.list_line = line
        self.list_items.append(item)

    def close_list(self):
        if self.list_items is not None:
            self.blocks.append(ListWidget(tuple(self.list_items), self.list_line))
            self.list_items = None

    def freeze(self):
        self.close_list()
        ending = next((tag for tag in ENDINGS if tag in self.tags), None) if self.tags else None
        return Step(
            name=self.name,
            title=self.title,
            kind="chat" if self.has_bot or "chat" in self.tags else "page",
            blocks=tuple(self.blocks),
            choices=tuple(self.choices),
            routes=tuple(self.routes),
            fallback=self.fallback,
            ending=ending,
            wizard="wizard" in self.tags,
            line=self.line,
            fallback_line=self.fallback_line,
        )


def parse(text):
    """Read a flow script. Raises ScriptError on the first problem found."""
    if len(text) > MAX_SCRIPT_CHARS:
        raise ScriptError(f"the script is longer than {MAX_SCRIPT_CHARS:,} characters", 1, 1)
    flow_title = None
    flow_title_line = None
    steps = []
    first_line_of = {}
    draft = None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        content = raw.strip()
        if not content:
            if draft is not None and draft.list_items is not None:
                draft.close_list()
            continue
        kind = _line_kind(content)
        if kind == "comment":
            continue
        if kind == "header":
            if draft is not None:
                steps.append(draft.freeze())
            if len(steps) == MAX_STEPS:
                raise ScriptError(f"a script can have at most {MAX_STEPS:,} steps", number, 1)
            draft = _read_header(content, number, raw)
            if draft.name in first_line_of:
                raise ScriptError(
                    f"step '{draft.name}' is defined twice "
                    f"(first on line {first_line_of[draft.name]})",
                    number,
                    _indent(raw) + 1,
                )
            first_line_of[draft.name] = number
            continue
        if kind == "title":
            if draft is not None:
                raise ScriptError(
                    "'title:' names the whole script and belongs before the first step; "
                    "a step's title goes on its '==' line",
                    number,
                    _indent(raw) + 1,
                )
            if flow_title is not None:
                raise ScriptError(
                    f"the script title is set twice (first on line {flow_title_line})",
                    number,
                    _indent(raw) + 1,
                )
            flow_title = _after_colon(content)
            if not flow_title:
                raise ScriptError(
                    "'title:' needs the script's title after it", number, _indent(raw) + 1
                )
            flow_title_line = number
            continue
        if draft is None:
            raise ScriptError(
                "this line is outside any step; start a step first, like '== start: Welcome'",
                number,
                _indent(raw) + 1,
            )
        if kind == "item":
            item = content[1:].strip()
            if not item:
                raise ScriptError("a list item needs text after '-'", number, _indent(raw) + 1)
            draft.add_list_item(item, number)
            continue
        if draft.list_items is not None:
            draft.close_list()
        if kind == "choice":
            draft.choices.append(_read_choice(content, number, raw))
        elif kind == "route":
            _read_route(draft, content, number, raw)
        elif kind == "bot":
            message = _after_colon(content)
            if not message:
                raise ScriptError("a bot message needs text after 'bot:'", number, _indent(raw) + 1)
            draft.blocks.append(BotMessage(message, number))
            draft.has_bot = True
        elif kind == "field":
            draft.blocks.append(TextField(_after_colon(content), number))
        elif kind == "image":
            draft.blocks.append(ImagePlaceholder(_after_colon(content), number))
        elif kind == "escaped":
            literal = content[1:].strip()
            if not literal:
                raise ScriptError(
                    "a '\\' line needs text after it; the backslash only marks the rest of "
                    "the line as plain text",
                    number,
                    _indent(raw) + 1,
                )
            draft.blocks.append(Text(literal, number))
        else:
            draft.blocks.append(Text(content, number))
    if draft is None:
        raise ScriptError(
            "the script has no steps; start one with a line like '== start: Welcome'",
            1,
            1,
        )
    steps.append(draft.freeze())
    return Flow(steps=tuple(steps), title=flow_title)


def _indent(raw):
    """How many blank characters a line starts with: columns are only worked out for errors."""
    return len(raw) - len(raw.lstrip())


def _after_colon(content):
    return content.split(":", 1)[1].strip()


def _read_header(content, number, raw):
    rest = content.lstrip("=")
    # Where `rest` starts in the stripped line; errors add the line's indent.
    rest_offset = len(content) - len(rest)
    tags = set()
    # Searching for a tag tries every position of the line: only lines ending in ']' can have one.
    while rest.rstrip().endswith("]"):
        match = _TAG_AT_END.search(rest)
        if not match:
            break
        tag = match.group(1).lower()
        if tag not in TAGS:
            raise ScriptError(
                f"unknown tag '[{match.group(1)}]'; a step can be tagged [chat], [wizard], "
                "[success] or [failure]",
                number,
                _indent(raw) + rest_offset + match.start() + 1,
            )
        tags.add(tag)
        rest = rest[: match.start()]
    if set(ENDINGS) <= tags:
        raise ScriptError(
            "a step cannot be both [success] and [failure]",
            number,
            _indent(raw) + rest_offset + len(rest) + 1,
        )
    name_part, _, title = rest.partition(":")
    name = name_part.strip()
    if not name:
        raise ScriptError("a step needs a name, like '== start: Welcome'", number, _indent(raw) + 1)
    if not _NAME.match(name):
        name_offset = rest_offset + len(name_part) - len(name_part.lstrip())
        raise _name_error(name, number, _indent(raw) + name_offset + 1)
    return _StepDraft(name, title.strip() or None, tags, number)


def _name_error(name, number, column):
    return ScriptError(
        f"'{name}' is not a valid step name; use letters, digits, '_' and '-'", number, column
    )


def _split_arrow(content, number, raw, what):
    """Split '<marker> left -> target' into (left, target, where the arrow is in `content`)."""
    arrow = content.rfind("->")
    if arrow == -1:
        raise ScriptError(f"{what} needs '-> step_name'", number, _indent(raw) + 1)
    target_part = content[arrow + 2 :]
    target = target_part.strip()
    if not target:
        raise ScriptError(f"{what} needs a step name after '->'", number, _indent(raw) + arrow + 1)
    if not _NAME.match(target):
        target_offset = arrow + 2 + len(target_part) - len(target_part.lstrip())
        raise _name_error(target, number, _indent(raw) + target_offset + 1)
    return content[1:arrow].strip(), target, arrow


def _read_choice(content, number, raw):
    label, target, _ = _split_arrow(content, number, raw, "a choice")
    if not label:
        raise ScriptError("a choice needs a label before '->'", number, _indent(raw) + 1)
    return Choice(label, target, number)


def _read_route(draft, content, number, raw):
    condition, target, arrow = _split_arrow(content, number, raw, "an answer route")
    if not condition:
        raise ScriptError(
            "an answer route needs keywords, a /pattern/ or * before '->'",
            number,
            _indent(raw) + 1,
        )

    def column():
        """The condition's column, worked out only for an error."""
        left_part = content[1:arrow]
        return _indent(raw) + 1 + len(left_part) - len(left_part.lstrip()) + 1

    if condition == "*":
        if draft.fallback is not None:
            raise ScriptError(
                f"step '{draft.name}' already has a fallback (line {draft.fallback_line})",
                number,
                column(),
            )
        draft.fallback = target
        draft.fallback_line = number
    elif condition.startswith("/"):
        draft.routes.append(
            Route("pattern", _read_pattern(condition, number, column), target, number)
        )
    else:
        draft.routes.append(
            Route("keywords", _read_keywords(condition, number, column), target, number)
        )


def _read_pattern(condition, number, column):
    """The pattern of a /pattern/ condition; `column()` gives the condition's column."""
    if len(condition) < 2 or not condition.endswith("/"):
        raise ScriptError("a pattern must end with '/'", number, column() + len(condition))
    pattern = condition[1:-1]
    if not pattern:
        raise ScriptError("the pattern between the slashes is empty", number, column())
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ScriptError(
            f"a pattern can be at most {MAX_PATTERN_CHARS} characters long", number, column()
        )
    try:
        regex.compile(pattern, regex.IGNORECASE)
    except regex.error as error:
        error_column = column() + 1 + min(error.pos or 0, len(pattern))
        raise ScriptError(f"invalid pattern: {error.msg}", number, error_column) from None
    nested = _nested_repeat_position(pattern)
    if nested is not None:
        raise ScriptError(
            "a repeated group that itself contains a repeat, like (a+)+, can make matching "
            "very slow; simplify the pattern",
            number,
            column() + 1 + nested,
        )
    return pattern


def _nested_repeat_position(pattern):
    """Where a quantifier repeats a group that already contains a repeat, or None.

    A textual scan is enough: the pattern has already compiled, so groups and character classes
    are well formed. Only repeats that can match more than once count: *, + and {m,n} with n
    missing or above 1, but not ? or fixed counts like \\d{6}.
    """
    group_has_repeat = [False]
    after_group_with_repeat = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        step = 1
        repeat = False
        if char == "\\":
            step = 2
        elif char == "[":
            step = _class_length(pattern, index)
        elif char == "(":
            group_has_repeat.append(False)
        elif char == ")" and len(group_has_repeat) > 1:
            had_repeat = group_has_repeat.pop()
            group_has_repeat[-1] = group_has_repeat[-1] or had_repeat
            after_group_with_repeat = had_repeat
            index += 1
            continue
        elif char in "*+":
            repeat = True
        elif char == "{":
            counted = _COUNTED_REPEAT.match(pattern, index)
            if counted:
                _low, comma, high = counted.groups()
                repeat = bool(comma) and (not high or int(high) > 1)
                step = counted.end() - index
        if repeat:
            if after_group_with_repeat:
                return index
            group_has_repeat[-1] = True
        after_group_with_repeat = False
        index += step
    return None


def _class_length(pattern, start):
    """The length of the character class opening at `start`."""
    index = start + 1
    # A ']' right after '[' or '[^' is a member of the class, not its end.
    if pattern.startswith("^", index):
        index += 1
    if pattern.startswith("]", index):
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1 - start


def _read_keywords(condition, number, column):
    """The keywords of a condition in canonical form; `column()` gives the condition's column."""
    if not _KEYWORDS.match(condition):
        raise ScriptError(
            "keywords may contain only letters, digits, spaces, '-' and \"'\"; separate "
            "them with commas, or write a /pattern/",
            number,
            column(),
        )
    keywords = []
    for keyword in condition.split(","):
        words = keyword.split()
        if not words:
            continue
        if not _HAS_WORD.search(keyword):
            raise ScriptError(
                f"the keyword '{keyword.strip()}' needs at least one letter or digit",
                number,
                column(),
            )
        keywords.append(" ".join(words))
    if not keywords:
        raise ScriptError(
            "an answer route needs keywords, a /pattern/ or * before '->'", number, column()
        )
    return ", ".join(keywords)


# --- Playing ----------------------------------------------------------------------------------


def route_answer(step, text):
    """The step a typed answer leads to, or None if nothing matches and there is no fallback
    (the player then stays on the step).

    Routes are tried in script order and the first match wins. Keywords match whole words,
    ignoring case; a keyword of several words matches those words in a row. Patterns are Python
    regular expressions searched anywhere in the answer, ignoring case; one that takes longer than
    PATTERN_TIMEOUT_SECONDS counts as not matching. Only the first MAX_ANSWER_CHARS characters of
    the answer are considered.
    """
    answer = text[:MAX_ANSWER_CHARS]
    words = None
    for route in step.routes:
        if route.kind == "pattern":
            try:
                found = regex.search(
                    route.value, answer, regex.IGNORECASE, timeout=PATTERN_TIMEOUT_SECONDS
                )
            except TimeoutError:
                found = None
            if found:
                return route.target
            continue
        if words is None:
            words = _WORD.findall(answer.casefold())
        for keyword in route.keywords:
            if _contains_phrase(words, _WORD.findall(keyword.casefold())):
                return route.target
    return step.fallback


def _contains_phrase(words, phrase):
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


# --- Checking ---------------------------------------------------------------------------------


def validate(flow):
    """Design problems in a parsed flow, ordered by line: steps leading to steps that do not
    exist, steps nothing reaches, dead ends, steps from which no ending can be reached, and page
    steps that route typed answers without a text field to type them in."""
    warnings = []
    names = {step.name for step in flow.steps}
    exits = {}
    for step in flow.steps:
        targets = step.targets
        exits[step.name] = known = []
        for target, line in targets:
            if target in names:
                known.append(target)
            else:
                warnings.append(
                    ScriptWarning(
                        line, f"step '{step.name}' leads to '{target}', which does not exist"
                    )
                )
        if step.ending is None and not targets:
            warnings.append(
                ScriptWarning(
                    step.line,
                    f"step '{step.name}' is a dead end: add a choice or an answer route, "
                    "or tag it [success] or [failure]",
                )
            )
        if (
            step.kind == "page"
            and (step.routes or step.fallback is not None)
            and not any(isinstance(block, TextField) for block in step.blocks)
        ):
            warnings.append(
                ScriptWarning(
                    step.line,
                    f"page step '{step.name}' routes typed answers but has no text field; "
                    "add 'field: ...' or tag the step [chat]",
                )
            )
        if step.wizard and step.fallback is None:
            warnings.append(
                ScriptWarning(
                    step.line,
                    f"wizard step '{step.name}' has no fallback: when nobody answers in time "
                    "the participant stays on it; add '? * -> step_name'",
                )
            )

    reachable = _reached_from([flow.start], exits)
    for step in flow.steps:
        if step.name not in reachable:
            warnings.append(
                ScriptWarning(
                    step.line,
                    f"step '{step.name}' cannot be reached from the start step '{flow.start}'",
                )
            )

    endings = [step.name for step in flow.steps if step.ending is not None]
    if not endings:
        warnings.append(
            ScriptWarning(
                flow.steps[0].line,
                "the script has no ending step; tag at least one step [success] or [failure]",
            )
        )
    else:
        entries = {name: [] for name in names}
        for name, targets in exits.items():
            for target in targets:
                entries[target].append(name)
        can_end = _reached_from(endings, entries)
        for step in flow.steps:
            if step.name in reachable and step.name not in can_end and step.targets:
                warnings.append(
                    ScriptWarning(
                        step.line,
                        f"no ending can be reached from step '{step.name}': every way on "
                        "loops back or stops",
                    )
                )
    warnings.sort(key=lambda warning: warning.line)
    return warnings


def _reached_from(origins, edges):
    seen = set(origins)
    queue = deque(origins)
    while queue:
        for neighbour in edges[queue.popleft()]:
            if neighbour not in seen:
                seen.add(neighbour)
                queue.append(neighbour)
    return seen


# --- Printing ---------------------------------------------------------------------------------


def render_script(flow):
    """The flow as canonical script text: parse(render_script(flow)) == flow for any flow that
    parse() can produce."""
    lines = []
    if flow.title is not None:
        lines += [f"title: {flow.title}", ""]
    for step in flow.steps:
        header = f"== {step.name}"
        if step.title:
            header += f": {step.title}"
        # A bot message already makes a step a chat step.
        has_bot = any(isinstance(block, BotMessage) for block in step.blocks)
        if step.kind == "chat" and not has_bot:
            header += " [chat]"
        if step.wizard:
            header += " [wizard]"
        if step.ending:
            header += f" [{step.ending}]"
        lines.append(header)
        previous_block = None
        for block in step.blocks:
            if isinstance(block, ListWidget):
                # Adjacent lists merge unless a blank line separates them.
                if isinstance(previous_block, ListWidget):
                    lines.append("")
                lines += [f"- {item}" for item in block.items]
            elif isinstance(block, BotMessage):
                lines.append(f"bot: {block.text}")
            elif isinstance(block, TextField):
                lines.append(f"field: {block.label}".rstrip())
            elif isinstance(block, ImagePlaceholder):
                lines.append(f"image: {block.caption}".rstrip())
            elif _line_kind(block.text) == "text":
                lines.append(block.text)
            else:
                lines.append(f"\\{block.text}")
            previous_block = block
        lines += [f"> {choice.label} -> {choice.target}" for choice in step.choices]
        for route in step.routes:
            condition = f"/{route.value}/" if route.kind == "pattern" else route.value
            lines.append(f"? {condition} -> {route.target}")
        if step.fallback is not None:
            lines.append(f"? * -> {step.fallback}")
        lines.append("")
    return "\n".join(lines)
