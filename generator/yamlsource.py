"""Read one YAML file safely into plain data and remember where every value stands.

The file is composed into a node tree by PyYAML's safe composer (libyaml when present) and turned
into dicts, lists and scalars here, so that duplicate keys, tags, aliases, depth and size can be
checked and every value keeps its line and column. No object is ever constructed from a tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from generator.errors import DATE_HINT, Problem
from generator.syntax_hints import syntax_hint

try:
    _Base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Base = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_SCALAR_CACHE_MAX = 50_000
_SCALAR_CACHED_LENGTH = 80


class _Loader(_Base):  # type: ignore[valid-type,misc,unused-ignore]
    """The safe loader, with the tag of a plain scalar looked up once per distinct value.

    The C parser asks Python for the tag of every scalar; profiles repeat the same keys and
    values thousands of times, and no path resolvers are registered, so the answer for a
    value never changes.
    """

    _tags: ClassVar[dict[str, str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """Return the tag of a node, from the cache for plain scalars seen before."""
        if kind is not yaml.ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        tag = self._tags.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(value) <= _SCALAR_CACHED_LENGTH and len(self._tags) < _SCALAR_CACHE_MAX:
                self._tags[value] = tag
        return tag

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Skip: no path resolvers are registered."""

    def ascend_resolver(self) -> None:
        """Skip: no path resolvers are registered."""

MAX_FILE_BYTES = 64 * 1024
MAX_NODES = 5_000
MAX_DEPTH = 20
# libyaml recurses on the C stack for each open bracket: refuse deep nesting before parsing.
MAX_FLOW_DEPTH = 100

Path = tuple[str | int, ...]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass
class Document:
    """Plain data of one YAML file with the position of every key and value (1-based)."""

    file: str
    data: Any = None
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Return the position of ``path``, or of its nearest known ancestor."""
        table = self.key_positions if key else self.positions
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, path: Path, message: str, hint: str = "", *, key: bool = False) -> Problem:
        """Build a problem located at ``path``."""
        line, column = self.where(path, key=key)
        return Problem(self.file, line, column, dotted(path), message, hint)


def dotted(path: Path) -> str:
    """Render a path as ``services[2]`` or ``referrals.capacity``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _TooLarge(Exception):
    pass


class _Builder:
    def __init__(self, doc: Document, loader: yaml.SafeLoader) -> None:
        self.doc = doc
        self.loader = loader
        self.count = 0

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(f"more than {MAX_NODES} values (aliases included)")
        if depth > MAX_DEPTH:
            raise _TooLarge(f"nested deeper than {MAX_DEPTH} levels")
        mark = node.start_mark
        self.doc.positions[path] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                return self._bad_tag(node, path)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if node.tag == _STR_TAG:
            return node.value  # what the str constructor returns, without the call
        if node.tag not in _SCALAR_TAGS:
            return self._bad_tag(node, path)
        try:
            return self.loader.yaml_constructors[node.tag](self.loader, node)
        except (ValueError, yaml.YAMLError) as exc:
            if node.tag == _TIMESTAMP_TAG:
                problem = self.doc.problem(path, f"{node.value!r} is not a date ({exc})", DATE_HINT)
            else:
                problem = self.doc.problem(path, f"cannot read value: {exc}")
            self.doc.problems.append(problem)
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> Any:
        if node.tag != _MAP_TAG:
            return self._bad_tag(node, path)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kmark = key_node.start_mark
            kpos = (kmark.line + 1, kmark.column + 1)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.doc.problems.append(
                    Problem(self.doc.file, *kpos, dotted(path), "merge keys (<<) are not allowed")
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.doc.problems.append(
                    Problem(self.doc.file, *kpos, dotted(path), "keys must be plain words")
                )
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in result:
                first = self.doc.key_positions[child]
                self.doc.problems.append(
                    Problem(
                        self.doc.file, *kpos, dotted(child), "duplicate key",
                        f"first defined at line {first[0]}; keep one of them",
                    )
                )
                continue
            self.doc.key_positions[child] = kpos
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _bad_tag(self, node: yaml.Node, path: Path) -> None:
        self.doc.problems.append(
            self.doc.problem(path, f"YAML tag {node.tag!r} is not allowed", "remove the tag")
        )
        return None


def _decode(raw: bytes, doc: Document) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        doc.problems.append(
            Problem(
                doc.file, line, column, "", f"not UTF-8 (byte 0x{raw[exc.start]:02x})",
                "save the file as UTF-8",
            )
        )
        return None
    return text.removeprefix("\ufeff")


def _flow_depth(text: str) -> int:
    """Return an upper bound of the bracket nesting, which the C parser must not see too deep."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return 0
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def parse_yaml(raw: bytes, file: str, *, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Parse ``raw`` into a :class:`Document`; problems are collected, never raised."""
    doc = Document(file)
    if len(raw) > max_bytes:
        doc.problems.append(
            Problem(
                file, 1, 1, "", f"file is {len(raw):,} bytes, more than the {max_bytes:,} allowed",
                "shorten the description",
            )
        )
        return doc
    text = _decode(raw, doc)
    if text is None:
        return doc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        doc.problems.append(Problem(file, line, 1, "", "file contains a NUL character"))
        return doc
    if _flow_depth(text) > MAX_FLOW_DEPTH:
        doc.problems.append(
            Problem(file, 1, 1, "", f"brackets nested deeper than {MAX_FLOW_DEPTH} levels")
        )
        return doc
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            doc.data = None
        else:
            doc.data = _Builder(doc, loader).build(node, (), 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = exc.problem or exc.context or "invalid YAML"
        hint = ""
        if "expected a single document" in str(exc.context) + str(exc.problem):
            message = "more than one YAML document in the file"
            hint = "remove the '---' line and everything after it that belongs elsewhere"
        else:
            hint = syntax_hint(exc, text)
        doc.problems.append(Problem(file, line, column, "", f"YAML syntax: {message}", hint))
        doc.data = None
    except yaml.YAMLError as exc:
        doc.problems.append(Problem(file, 1, 1, "", f"YAML syntax: {exc}"))
        doc.data = None
    except _TooLarge as exc:
        doc.problems.append(
            Problem(file, 1, 1, "", f"file is too complex: {exc}", "a profile needs no aliases")
        )
        doc.data = None
    except RecursionError:
        doc.problems.append(Problem(file, 1, 1, "", "file is nested too deeply"))
        doc.data = None
    finally:
        loader.dispose()
    return doc
