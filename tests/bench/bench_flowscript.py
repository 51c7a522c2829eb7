import json
import time

import pytest
import regex

from prototypes.flowscript import parse, validate

STEP_COUNT = 2_000
GOAL_SECONDS = 0.100
# Asserted against the same run's splitlines loop (31-37x measured, on quiet and busy machines
# alike), with room; the absolute goal is printed with whether it is met.
MAX_RATIO = 60
RUNS = 7


def big_script():
    """A 2,000-step script mixing page and chat steps and every construct. One step in ten has a
    pattern route of its own, so the parser compiles 200 distinct regular expressions."""
    lines = ["# Generated for the benchmark", "title: Benchmark flow", ""]
    for number in range(STEP_COUNT):
        name = f"step_{number}"
        ending = ""
        if number >= STEP_COUNT - 2:
            ending = " [success]" if number % 2 else " [failure]"
        lines.append(f"== {name}: Step number {number}{ending}")
        if number % 2:
            lines += [
                f"bot: Hello again, this is message {number} of the assistant.",
                "bot: What would you like to do next?",
            ]
        else:
            lines += [
                f"Some explanatory text for page {number}, as a designer would write it.",
                "- First option in the list",
                "- Second option in the list",
                "- Third option in the list",
                "",
                "field: Your answer",
                f"image: Screenshot of screen {number}",
            ]
        if ending:
            lines.append("")
            continue
        following = [min(number + 1, STEP_COUNT - 1), min(number + 2, STEP_COUNT - 1)]
        lines += [
            f"> Continue -> step_{following[0]}",
            f"> Skip ahead -> step_{following[1]}",
            f"? yes, sure, go on, continue -> step_{following[0]}",
        ]
        if number % 10 == 0:
            lines.append(rf"? /\b{number:06d}\b|order\s+{number}/ -> step_{following[1]}")
        lines += [f"? * -> step_{following[0]}", ""]
    return "\n".join(lines)


def equivalent_json(text):
    """The script's lines as a JSON array: about the same size, read by a parser written in C."""
    return json.dumps(text.splitlines())


def best_time(function, argument, before_each=None):
    timings = []
    for _ in range(RUNS):
        if before_each is not None:
            before_each()
        started = time.perf_counter()
        function(argument)
        timings.append(time.perf_counter() - started)
    return min(timings)


def trivial_loop(text):
    return sum(1 for line in text.splitlines() if line.startswith("=="))


def parse_and_validate(text):
    flow = parse(text)
    assert validate(flow) == []
    return flow


@pytest.mark.bench
def test_parse_and_validate_2000_steps(capsys):
    text = big_script()
    document = equivalent_json(text)
    assert len(parse(text).steps) == STEP_COUNT

    splitlines_seconds = best_time(trivial_loop, text)
    json_seconds = best_time(json.loads, document)
    # Empty the regex cache before each run so that every pattern is compiled again.
    flowscript_seconds = best_time(parse_and_validate, text, before_each=regex.purge)

    with capsys.disabled():
        print()
        print(f"flowscript: {STEP_COUNT:,} steps, {len(text):,} characters, best of {RUNS} runs")
        print(f"  splitlines + loop (baseline): {splitlines_seconds * 1000:7.2f} ms")
        print(f"  json.loads, {len(document):,} chars:  {json_seconds * 1000:7.2f} ms")
        print(f"  parse + validate:             {flowscript_seconds * 1000:7.2f} ms")
        met = "met" if flowscript_seconds < GOAL_SECONDS else "NOT met"
        print(f"  goal:                         {GOAL_SECONDS * 1000:7.2f} ms ({met})")
    assert flowscript_seconds < MAX_RATIO * splitlines_seconds
