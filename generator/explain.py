"""What a model's refusal means to a member: pydantic's errors as ``file:line:col`` problems."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.errors import DATE_HINT, Problem
from generator.yamlsource import Document, dotted

# Friendlier words for pattern mismatches, by the name of the field.
_PATTERN_MESSAGES = {
    "maintainers": "must be an account name (letters, digits, hyphens)",
    "admins": "must be an account name (letters, digits, hyphens)",
    "deputy": "must be a partner slug: lowercase letters, digits and hyphens",
    "services": "must be a service id: lowercase letters, digits and hyphens",
    "id": "must be an id: lowercase letters, digits and hyphens",
    "postal_prefixes": 'must be 1 to 5 digits in quotes, e.g. "80"',
    "phone": 'must be a phone number such as "+49 89 1234567"',
}


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Return the keys a mapping at ``loc`` (inside ``model``) may have."""
    annotation: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        info = next(
            (f for n, f in annotation.model_fields.items() if (f.alias or n) == part), None
        )
        if info is None:
            return []
        annotation = _unwrap(info.annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or n for n, f in annotation.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``list[...]``, ``X | None`` and ``Annotated`` down to a model class if there is one."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (list, typing.Union, types.UnionType):
            models = [
                a
                for a in typing.get_args(annotation)
                if a is not type(None)
            ]
            annotation = models[0] if len(models) == 1 else models[-1]
            if origin is not list and len(models) != 1:
                return annotation
        else:
            return annotation


def _translate(doc: Document, model: type[BaseModel], error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if p not in ("function-after", "function-plain"))
        kind = item["type"]
        message = str(item["msg"]).removeprefix("Value error, ")
        hint = ""
        at_key = False
        if kind == "extra_forbidden":
            name = str(loc[-1])
            allowed = _allowed_keys(model, loc[:-1])
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            message = f"unknown field {name!r}"
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
            at_key = True
        elif kind == "missing":
            message = "required field is missing"
            hint = f"add {loc[-1]}: under {dotted(loc[:-1])}" if len(loc) > 1 else ""
            problems.append(doc.problem(loc[:-1], f"{loc[-1]}: {message}", hint))
            problems[-1] = Problem(
                doc.file, problems[-1].line, problems[-1].column, dotted(loc), message, hint
            )
            continue
        elif kind == "string_pattern_mismatch":
            names = [p for p in loc if isinstance(p, str)]
            message = _PATTERN_MESSAGES.get(names[-1] if names else "", "has the wrong form")
        elif kind == "string_type" and isinstance(item.get("input"), int | float | bool):
            hint = "put the value in quotes"
        elif kind.startswith("date"):
            shown = item.get("input")
            message = "a date is needed" if shown is None else f"{str(shown)!r} is not a date"
            hint = DATE_HINT
        elif kind == "value_error":
            # Model-level checks name the field first ("to: ..."): point at that field.
            head, sep, rest = message.partition(": ")
            if sep and re.fullmatch(r"[a-z_]+", head):
                loc = (*loc, head)
                message = rest
        problems.append(doc.problem(loc, message, hint, key=at_key))
    return problems


def _under(field: str, fields: Sequence[str]) -> bool:
    return any(field == f or field.startswith((f + ".", f + "[")) for f in fields)


def validate(doc: Document, model: type[BaseModel], context: dict[str, Any]) -> Any:
    """Check the data against ``model``, also when the file has other problems already.

    Every problem is reported at once; a field that has one already (a duplicate key, a
    placeholder, a refused tag) gets no second one from the model.
    """
    if not isinstance(doc.data, dict):
        if doc.problems:  # unreadable: the reason is reported already
            return None
        what = "empty" if doc.data is None else f"a {type(doc.data).__name__}"
        doc.problems.append(
            doc.problem((), f"the file is {what}; it must be a mapping of fields such as name:")
        )
        return None
    try:
        result = model.model_validate(doc.data, context=context)
    except ValidationError as error:
        reported = [p.field for p in doc.problems if p.field]
        doc.problems.extend(
            p for p in _translate(doc, model, error) if not _under(p.field, reported)
        )
        return None
    return None if doc.problems else result
