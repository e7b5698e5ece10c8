"""A large build shares MkDocs' writing with a forked child: the same site, whatever happens to
the child."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

import generator.plugin
import generator.split_writing
from tests.generator.conftest import build_site, copy_network


def files_of(site: Path) -> dict[str, bytes]:
    """Every file of a built site by its path, with its bytes."""
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The site built in one process, as every small network is."""
    root = copy_network(tmp_path_factory.mktemp("alone"))
    return files_of(build_site(root))


def split_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Build the same site with the writing shared, as a network of hundreds would."""
    monkeypatch.setattr(generator.plugin, "worthwhile", lambda items: True)
    root = copy_network(tmp_path / "net")
    return files_of(build_site(root))


def test_a_shared_build_writes_the_same_site(alone: dict[str, bytes], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    real = generator.split_writing.Forked

    def counted(work):  # type: ignore[no-untyped-def]
        started.append(1)
        return real(work)

    monkeypatch.setattr(generator.split_writing, "Forked", counted)
    shared = split_site(tmp_path, monkeypatch)
    assert started == [1]  # the writing really was shared
    assert sorted(shared) == sorted(alone)
    assert [path for path in alone if shared[path] != alone[path]] == []
    assert any(path.endswith("kontakt.vcf") for path in shared)


def test_a_failing_child_leaves_its_share_to_the_parent(
        alone: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    real = generator.split_writing.write_page

    def fails_in_the_child(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(generator.split_writing, "write_page", fails_in_the_child)
    shared = split_site(tmp_path, monkeypatch)
    assert sorted(shared) == sorted(alone)
    assert [path for path in alone if shared[path] != alone[path]] == []


def test_a_warning_in_the_child_is_neither_lost_nor_printed_twice(
        alone: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    parent = os.getpid()
    real = generator.split_writing.write_page
    warned: list[str] = []

    def warns(page, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            logging.getLogger("mkdocs.plugins.example").warning("odd page %s", page.url)
        else:
            warned.append(page.url)
        return real(page, *args, **kwargs)

    monkeypatch.setattr(generator.split_writing, "write_page", warns)
    shared = split_site(tmp_path, monkeypatch)
    # The child gave up its share on the warning; the parent rendered every page of it.
    assert warned and all(url.startswith("partner/") for url in warned)
    assert "odd page" not in capfd.readouterr().err
    assert [path for path in alone if shared.get(path) != alone[path]] == []


def test_a_failed_build_leaves_no_child_behind(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    children: list[generator.split_writing.SplitWriting] = []
    real = generator.split_writing.SplitWriting.__init__

    def remembered(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        real(self, *args, **kwargs)
        children.append(self)
        pid = self.child._pid

        def gone() -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            return False

        remembered.gone = gone  # type: ignore[attr-defined]

    monkeypatch.setattr(generator.split_writing.SplitWriting, "__init__", remembered)
    monkeypatch.setattr(generator.plugin, "worthwhile", lambda items: True)
    root = copy_network(tmp_path / "net")
    # A page MkDocs itself builds fails after the fork.
    (root / "content" / "kaputt.md").write_text("---\ntemplate: fehlt.html\n---\n# Kaputt\n",
                                               encoding="utf-8")
    with pytest.raises(Exception, match=r"fehlt\.html"):
        build_site(root)
    assert len(children) == 1 and children[0].child is None
    assert remembered.gone()  # type: ignore[attr-defined]


@pytest.fixture(params=[True, False], ids=["shared", "alone"])
def built(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A network and its built site, the writing shared or not, ready to be rebuilt."""
    monkeypatch.setattr(generator.plugin, "worthwhile", lambda items: request.param)
    root = copy_network(tmp_path / "net")
    return root, build_site(root)


def test_a_rebuild_leaves_nothing_of_the_last_site_behind(
        tmp_path: Path, built: tuple[Path, Path]) -> None:
    root, site = built
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (root / "partners").glob("*.yaml")}
    gone = next(s for s in sorted(texts) if not any(f"deputy: {s}" in t for t in texts.values()))
    stays = next(s for s in sorted(texts) if s != gone)
    (root / "partners" / f"{gone}.yaml").unlink()
    (site / "partner" / stays / "alt.txt").write_text("von früher", encoding="utf-8")
    (site / "partner" / "verwaist" / "tief").mkdir(parents=True)
    (site / "partner" / "verwaist" / "tief" / "index.html").write_text("alt", encoding="utf-8")
    (site / "partner" / stays / "link").symlink_to("/etc")
    (site / ".well-known").mkdir()  # hidden entries are the site owner's, as for MkDocs
    (site / ".partnerdir-old-1" / "partner").mkdir(parents=True)  # left by a killed build
    rebuilt = files_of(build_site(root))
    assert not (site / "partner" / gone).exists()
    assert (site / ".well-known").is_dir()
    fresh = files_of(build_site(copy_network(tmp_path / "fresh") and _without(
        tmp_path / "fresh", gone)))
    assert sorted(rebuilt) == sorted(fresh)
    assert [path for path in fresh if rebuilt[path] != fresh[path]] == []
    assert not [p for p in site.iterdir() if p.name.startswith(".partnerdir")]


def _without(root: Path, slug: str) -> Path:
    (root / "partners" / f"{slug}.yaml").unlink()
    return root


def test_a_rebuild_puts_unchanged_members_files_back_and_writes_changed_ones(
        tmp_path: Path, built: tuple[Path, Path]) -> None:
    root, site = built
    changed, same = "bauer-grafik", "kanzlei-roth"
    before = {slug: (site / "partner" / slug / "kontakt.vcf").stat() for slug in (changed, same)}
    profile = root / "partners" / f"{changed}.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "\ntagline: " in text
    _changed(root, changed, text)
    rebuilt = build_site(root)
    after = {slug: (rebuilt / "partner" / slug / "kontakt.vcf").stat() for slug in before}
    assert (after[same].st_ino, after[same].st_mtime_ns) == (
        before[same].st_ino, before[same].st_mtime_ns)
    assert after[changed].st_ino != before[changed].st_ino
    card = (rebuilt / "partner" / changed / "kontakt.vcf").read_text(encoding="utf-8")
    assert "NOTE:Neu – " in card
    fresh = files_of(build_site(copy_network(tmp_path / "fresh") and _changed(
        tmp_path / "fresh", changed, text)))
    assert files_of(rebuilt) == fresh
    assert not [p for p in rebuilt.iterdir() if p.name.startswith(".partnerdir")]


def _changed(root: Path, slug: str, text: str) -> Path:
    (root / "partners" / f"{slug}.yaml").write_text(
        text.replace("\ntagline: ", "\ntagline: Neu – "), encoding="utf-8")
    return root
