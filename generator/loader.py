"""Load and validate the network: ``network.yaml`` and every profile in ``partners/``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import Problem, ProfileError
from generator.explain import validate
from generator.model import SLUG_PATTERN, NetworkSettings, Partner
from generator.ownership import is_plain
from generator.parallel import Forked, worthwhile
from generator.scaffold import placeholder_problems
from generator.yamlsource import Document, parse_yaml

if TYPE_CHECKING:
    from generator.profile_cache import ProfileCache

NETWORK_FILE = "network.yaml"
PARTNERS_DIR = "partners"
_SLUG = re.compile(SLUG_PATTERN)


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


def _relative(path: Path, root: Path) -> str:
    try:
        # Without a look at the disk first: profile_paths builds every path below the root.
        inside = path.relative_to(root)
        if ".." not in inside.parts and path.is_absolute() == root.is_absolute():
            return inside.as_posix()
    except ValueError:
        pass
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
    settings = validate(doc, NetworkSettings, {})
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
    doc.problems.extend(placeholder_problems(doc))
    context = {"services": settings.service_ids} if settings else {}
    partner: Partner | None = validate(doc, Partner, context)
    if partner is not None:
        partner._slug = slug
        partner._source = doc.file
    return partner, doc


def _deputies(doc: Document) -> Iterable[tuple[int, str]]:
    """Yield (index, slug) of each absence's deputy as written, valid profile or not."""
    absences = doc.data.get("absences") if isinstance(doc.data, dict) else None
    for i, absence in enumerate(absences if isinstance(absences, list) else []):
        deputy = absence.get("deputy") if isinstance(absence, dict) else None
        if isinstance(deputy, str) and _SLUG.fullmatch(deputy):
            yield i, deputy


def _check_deputies(slug: str, doc: Document, known_slugs: set[str]) -> None:
    """Add the problems of deputies, which only the whole network can tell."""
    for i, deputy in _deputies(doc):
        at = ("absences", i, "deputy")
        if deputy == slug:
            doc.problems.append(
                doc.problem(at, "a member cannot be their own deputy", "name a colleague's slug")
            )
        elif deputy not in known_slugs:
            close = difflib.get_close_matches(deputy, sorted(known_slugs), n=1)
            doc.problems.append(
                doc.problem(
                    at, f"no partner {deputy!r}",
                    f"did you mean {close[0]!r}?" if close else "use the file name of a partner "
                    "without .yaml",
                )
            )


def profile_paths(root: Path) -> list[Path]:
    """Return every profile file of the network, sorted (``.yml`` included, to be refused)."""
    folder = root / PARTNERS_DIR
    if not folder.is_dir():
        return []
    # A linked profile is never read: it would publish another file under its name.
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and is_plain(p))


_Checked = list[tuple[Partner | None, list[Problem]]]


def _check_files(
    paths: Sequence[Path], root: Path, settings: NetworkSettings | None, known_slugs: set[str],
    cache: ProfileCache | None,
) -> _Checked:
    """Return each profile of ``paths`` (None when invalid) and its problems."""
    checked: _Checked = []
    for path in paths:
        partner, doc = cache.load(path, root, settings) if cache else load_partner(
            path, root, settings)
        _check_deputies(path.stem, doc, known_slugs)
        checked.append((partner, doc.problems))
    return checked


def check(
    root: Path, files: Iterable[Path] | None = None, *, cache: ProfileCache | None = None,
    parallel: bool = False,
) -> tuple[Network | None, list[Problem]]:
    """Validate the network, or only ``files`` in the context of the network.

    Return the network (None when anything is wrong) and all problems, sorted. With a
    ``cache``, files unchanged since its last use are not read and checked again; with
    ``parallel``, a second process checks half of many files where that is safe
    (``generator/parallel.py``).
    """
    root = Path(root)
    settings, problems = load_settings(root)
    every = profile_paths(root)
    known_slugs = {p.stem for p in every}
    targets = every if files is None else [Path(f) for f in files]
    known_slugs.update(p.stem for p in targets)
    if files is not None:
        names = {_relative(p, root) for p in targets}
        problems = problems if NETWORK_FILE in names else []
        targets = [p for p in targets if _relative(p, root) != NETWORK_FILE]
    half = len(targets) // 2 if parallel and not cache and worthwhile(len(targets)) else 0
    second = (Forked(lambda: _check_files(targets[half:], root, settings, known_slugs, None))
              if half else None)
    checked = _check_files(targets[:half] if second else targets, root, settings, known_slugs,
                           cache)
    if second is not None:
        rest = second.result()
        checked += rest if rest is not None else _check_files(
            targets[half:], root, settings, known_slugs, None)
    partners: dict[str, Partner] = {}
    for partner, found in checked:
        if partner is not None:
            partners[partner.slug] = partner
        problems.extend(found)
    problems.sort()
    if problems or settings is None:
        return None, problems
    return Network(root, settings, dict(sorted(partners.items()))), problems


def load_network(
    root: Path | str = ".", *, cache: ProfileCache | None = None, parallel: bool = False
) -> Network:
    """Load the whole network or raise :class:`ProfileError` with every problem."""
    network, problems = check(Path(root), cache=cache, parallel=parallel)
    if network is None:
        raise ProfileError(problems)
    return network
