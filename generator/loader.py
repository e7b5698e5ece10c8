"""Load and validate the network: ``network.yaml`` and every profile in ``partners/``."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.errors import Problem, ProfileError
from generator.model import SLUG_PATTERN, NetworkSettings, Partner
from generator.yamlsource import Document, dotted, parse_yaml

NETWORK_FILE = "network.yaml"
PARTNERS_DIR = "partners"
_SLUG = re.compile(SLUG_PATTERN)

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


@dataclass
class Network:
    """The validated network: settings, catalogue and partners by slug (sorted)."""

    root: Path
    settings: NetworkSettings
    partners: dict[str, Partner] = field(default_factory=dict)

    @cached_property
    def countries(self) -> tuple[str, ...]:
        """The countries members are in (ISO 3166 codes, sorted); DE while there are none."""
        return tuple(sorted({p.location.country for p in self.partners.values()})) or ("DE",)

    @property
    def home_country(self) -> str:
        """The country a request is in unless it says otherwise: the only one, else DE."""
        return self.countries[0] if len(self.countries) == 1 else "DE"


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
        elif kind == "value_error":
            # Model-level checks name the field first ("to: ..."): point at that field.
            head, sep, rest = message.partition(": ")
            if sep and re.fullmatch(r"[a-z_]+", head):
                loc = (*loc, head)
                message = rest
        problems.append(doc.problem(loc, message, hint, key=at_key))
    return problems


def _validate(doc: Document, model: type[BaseModel], context: dict[str, Any]) -> Any:
    if doc.problems:
        return None
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else f"a {type(doc.data).__name__}"
        doc.problems.append(
            doc.problem((), f"the file is {what}; it must be a mapping of fields such as name:")
        )
        return None
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as error:
        doc.problems.extend(_translate(doc, model, error))
        return None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_document(path: Path, root: Path) -> Document:
    """Read one YAML file of the network into a :class:`Document`."""
    name = _relative(path, root)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Document(name, problems=[Problem(name, 1, 1, "", f"cannot read: {exc.strerror}")])
    return parse_yaml(raw, name)


def load_settings(root: Path) -> tuple[NetworkSettings | None, list[Problem]]:
    """Load ``network.yaml``; return the settings (or None) and its problems."""
    path = root / NETWORK_FILE
    if not path.exists():
        hint = "run partnerdir in the network folder or pass --root"
        return None, [Problem(NETWORK_FILE, 1, 1, "", "missing", hint)]
    doc = read_document(path, root)
    settings = _validate(doc, NetworkSettings, {})
    return settings, doc.problems


def load_partner(
    path: Path, root: Path, settings: NetworkSettings | None
) -> tuple[Partner | None, Document]:
    """Load and check one profile on its own (cross-file rules are checked by the caller)."""
    doc = read_document(path, root)
    slug = path.stem
    if path.suffix != ".yaml":
        doc.problems.append(doc.problem((), "profiles end in .yaml", f"rename to {slug}.yaml"))
    if not _SLUG.fullmatch(slug):
        doc.problems.append(
            doc.problem(
                (), f"file name {slug!r} is not a slug",
                "use lowercase letters, digits and hyphens, e.g. mueller-it.yaml",
            )
        )
    context = {"services": settings.service_ids} if settings else {}
    partner: Partner | None = _validate(doc, Partner, context)
    if partner is not None:
        partner._slug = slug
        partner._source = doc.file
        for i, absence in enumerate(partner.absences):
            if absence.deputy == slug:
                doc.problems.append(
                    doc.problem(
                        ("absences", i, "deputy"), "a member cannot be their own deputy",
                        "name a colleague's slug",
                    )
                )
    return partner, doc


def _check_deputies(partner: Partner, doc: Document, known_slugs: set[str]) -> None:
    for i, absence in enumerate(partner.absences):
        if absence.deputy and absence.deputy != partner.slug and absence.deputy not in known_slugs:
            close = difflib.get_close_matches(absence.deputy, sorted(known_slugs), n=1)
            doc.problems.append(
                doc.problem(
                    ("absences", i, "deputy"), f"no partner {absence.deputy!r}",
                    f"did you mean {close[0]!r}?" if close else "use the file name of a partner "
                    "without .yaml",
                )
            )


def profile_paths(root: Path) -> list[Path]:
    """Return every profile file of the network, sorted (``.yml`` included, to be refused)."""
    folder = root / PARTNERS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def check(root: Path, files: Iterable[Path] | None = None) -> tuple[Network | None, list[Problem]]:
    """Validate the network, or only ``files`` in the context of the network.

    Return the network (None when anything is wrong) and all problems, sorted.
    """
    root = Path(root)
    settings, problems = load_settings(root)
    known_slugs = {p.stem for p in profile_paths(root)}
    targets = profile_paths(root) if files is None else [Path(f) for f in files]
    known_slugs.update(p.stem for p in targets)
    if files is not None:
        names = {_relative(p, root) for p in targets}
        problems = problems if NETWORK_FILE in names else []
        targets = [p for p in targets if _relative(p, root) != NETWORK_FILE]
    partners: dict[str, Partner] = {}
    for path in targets:
        partner, doc = load_partner(path, root, settings)
        if partner is not None:
            _check_deputies(partner, doc, known_slugs)
            partners[partner.slug] = partner
        problems.extend(doc.problems)
    problems.sort()
    if problems or settings is None:
        return None, problems
    return Network(root, settings, dict(sorted(partners.items()))), problems


def load_network(root: Path | str = ".") -> Network:
    """Load the whole network or raise :class:`ProfileError` with every problem."""
    network, problems = check(Path(root))
    if network is None:
        raise ProfileError(problems)
    return network
