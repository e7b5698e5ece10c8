"""GitHub workflow commands (``::error file=...::message``) so CI shows problems on the lines."""

from __future__ import annotations

from generator.errors import Problem


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (file, title) of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    message: str,
    *,
    level: str = "error",
    file: str = "",
    line: int = 0,
    col: int = 0,
    title: str = "",
) -> str:
    """Return one ``::error ...::message`` line; empty or zero properties are left out."""
    properties = [
        f"{name}={escape_property(str(value))}"
        for name, value in (("file", file), ("line", line), ("col", col), ("title", title))
        if value
    ]
    head = f"{level} {','.join(properties)}" if properties else level
    return f"::{head}::{escape_data(message)}"


def problem_annotation(problem: Problem) -> str:
    """Return the annotation that shows ``problem`` on its line of the pull request."""
    message = f"{problem.message} ({problem.hint})" if problem.hint else problem.message
    return annotation(
        message,
        file=problem.file,
        line=problem.line,
        col=problem.column,
        title=problem.field or "profile",
    )
