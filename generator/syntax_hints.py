"""What to do about a YAML syntax error, told the way a member who edits a profile can act on."""

from __future__ import annotations

import yaml

QUOTE = "put the value in quotes"


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number] if 0 <= number < len(lines) else ""


def syntax_hint(exc: yaml.MarkedYAMLError, text: str) -> str:
    """Return a hint for the syntax error ``exc`` in ``text``: what to change, and where."""
    mark = exc.problem_mark or exc.context_mark
    problem, context = exc.problem or "", exc.context or ""
    line = _line(text, mark.line) if mark else ""
    char = line[mark.column] if mark and mark.column < len(line) else ""
    opened = (f" at line {exc.context_mark.line + 1}"
              if exc.context_mark and exc.context_mark is not mark else "")
    if "tab" in problem or char == "\t" or "\t" in line[: len(line) - len(line.lstrip())]:
        return "indent with spaces, not tabs"
    start = {"scanning an alias": "*", "scanning an anchor": "&"}.get(context[6:], char)
    if start and start in "*&@`%|>":
        return f"a value cannot start with {start}: {QUOTE}"
    if "quoted scalar" in context:
        return f"close the quote opened{opened}, or use the other kind of quotes around it"
    if "flow sequence" in context or "flow mapping" in context:
        closing = "]" if "sequence" in context else "}"
        return (f"{context}{opened}: close it with '{closing}', and put values with commas "
                "in quotes")
    if "mapping values are not allowed" in problem:
        return ("a value with ': ' in it must be in quotes, e.g. tagline: \"Hilfe: schnell\"; "
                "or indent this line like the ones around it")
    if "expected key" in problem or "expected <block end>" in problem:
        return ("start every field of one level in the same column, and put values with "
                "quotes or ': ' in other quotes, e.g. \"Müller's Laden\"")
    return f"{context}{opened}" if context and opened else ""
