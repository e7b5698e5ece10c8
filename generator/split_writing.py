"""MkDocs' writing of a large site shared with a forked child: the second core of a build.

After every page is read and converted, MkDocs renders each one through the theme and writes
it, one after another; with thousands of partner pages that is most of a build. Where forking is
safe (see ``generator/parallel.py``), the plugin forks once all pages are read: the child renders
and writes partner pages with their members' own files (vCard, calendar) from the last one down,
while MkDocs goes on from the first, until the two meet; so the work is shared evenly whatever
a page or a file costs on the machine. For the child's pages MkDocs still runs every plugin
event, so the search index and the sitemap stay whole, but renders an empty template and writes
nothing.

A child that fails or logs a warning hands its whole share back: the parent then renders and
writes it itself, so a strict build sees every warning exactly as it would without the fork.
"""

from __future__ import annotations

import logging
import mmap
import multiprocessing
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from mkdocs import utils
from mkdocs.commands.build import get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from generator.parallel import Forked

ELSEWHERE = "partnerdir-written-elsewhere.html"
"""An empty template: MkDocs renders it, for a page the child writes, and writes nothing."""

_BOUNDS = struct.Struct("qq")


def write_page(page: Page, config: MkDocsConfig, nav: Navigation, env: jinja2.Environment,
               doc_files: Sequence[File]) -> None:
    """Render ``page`` through the theme and write it, with the plugin events MkDocs runs."""
    config._current_page = page
    page.active = True
    try:
        context = get_context(nav, doc_files, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
        output = template.render(context)
        output = config.plugins.on_post_page(output, page=page, config=config)
        if output.strip():
            utils.write_file(output.encode("utf-8", errors="xmlcharrefreplace"),
                             page.file.abs_dest_path)
    finally:
        page.active = False
        config._current_page = None


def write_files(site_dir: str, files: Iterable[tuple[str, str]],
                old: OldSite | None = None) -> None:
    """Write files given as (path below the site, text); where the last build (``old``) wrote
    the same bytes, put its file back instead."""
    for path, text in files:
        data, target = text.encode("utf-8"), Path(site_dir) / path
        if old is None or not old.put_back(path, data, target):
            utils.write_file(data, str(target))


class _Counter(logging.Handler):
    """Counts warnings and errors, prints nothing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _silenced() -> _Counter:
    """In the child: route every log record to one counter, so nothing is printed twice."""
    counter = _Counter()
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.handlers = [] if logger.propagate else [counter]
    logging.getLogger().handlers = [counter]
    return counter


class _SkipOwnPages(logging.Filter):
    """Hides MkDocs' note that it wrote nothing for a page the child writes."""

    def __init__(self, uris: set[str]) -> None:
        super().__init__()
        self.notes = {f"Page skipped: '{uri}'. Generated empty output." for uri in uris}

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.notes


class _Claims:
    """Which partner pages are whose: the parent takes them from the first up, in MkDocs' order,
    the child from the last down, until the two meet. Kept in memory both processes share."""

    def __init__(self, count: int) -> None:
        self.lock = multiprocessing.get_context("fork").Lock()
        self.shared = mmap.mmap(-1, _BOUNDS.size)
        _BOUNDS.pack_into(self.shared, 0, 0, count)  # the parent's next page, the child's last

    def bounds(self) -> tuple[int, int]:
        """Return (pages below this are the parent's, pages from this on are the child's)."""
        with self.lock:
            low, high = _BOUNDS.unpack_from(self.shared, 0)
        return low, high

    def parent_takes(self, index: int) -> bool:
        """Return whether the parent writes page ``index`` (taking it when still free)."""
        with self.lock:
            low, high = _BOUNDS.unpack_from(self.shared, 0)
            if index >= high:
                return False
            _BOUNDS.pack_into(self.shared, 0, max(low, index + 1), high)
            return True

    def child_takes(self) -> int | None:
        """Return the next page the child writes, or None when the parent has the rest."""
        with self.lock:
            low, high = _BOUNDS.unpack_from(self.shared, 0)
            if high - 1 < low:
                return None
            _BOUNDS.pack_into(self.shared, 0, low, high - 1)
            return int(high) - 1


class _Meta(dict[str, Any]):
    """A partner page's front matter that settles, when MkDocs asks for the page's template,
    who writes the page: a page the child has is rendered from an empty template here."""

    def __init__(self, meta: Mapping[str, Any], claims: _Claims, index: int) -> None:
        super().__init__(meta)
        self.claims, self.index = claims, index

    def get(self, key: str, default: Any = None) -> Any:
        if key == "template" and not self.claims.parent_takes(self.index):
            return ELSEWHERE
        return super().get(key, default)


class SplitWriting:
    """A child writing partner pages (and their members' files) while MkDocs writes the rest."""

    def __init__(self, pages: Iterable[Page], files: list[tuple[str, str]], config: MkDocsConfig,
                 nav: Navigation, env: jinja2.Environment, doc_files: Sequence[File],
                 old: OldSite | None = None) -> None:
        self.pages = [page for page in pages if page.file.src_uri.startswith("partner/")]
        self.index = {id(page): number for number, page in enumerate(self.pages)}
        folders = {page.file.src_uri.removesuffix(".md") + "/": n
                   for n, page in enumerate(self.pages)}
        self.files: list[list[tuple[str, str]]] = [[] for _ in self.pages]
        self.unclaimed: list[tuple[str, str]] = []
        for path, text in files:
            number = folders.get(path.rsplit("/", 1)[0] + "/")
            (self.unclaimed if number is None else self.files[number]).append((path, text))
        self.config, self.nav, self.env, self.doc_files = config, nav, env, doc_files
        self.old = old
        self.claims = _Claims(len(self.pages))
        self.child: Forked[int] | None = Forked(self._child)
        # Only the parent reaches this point.
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({ELSEWHERE: ""}),
                                          env.loader or jinja2.DictLoader({})])
        self.meta = [page.meta for page in self.pages]
        for number, page in enumerate(self.pages):
            page.meta = _Meta(page.meta, self.claims, number)
        self.filter = _SkipOwnPages({page.file.src_uri for page in self.pages})
        logging.getLogger("mkdocs.commands.build").addFilter(self.filter)

    def _write(self, number: int) -> None:
        write_page(self.pages[number], self.config, self.nav, self.env, self.doc_files)
        write_files(self.config.site_dir, self.files[number], self.old)

    def _child(self) -> int:
        counter = _silenced()
        while (number := self.claims.child_takes()) is not None:
            self._write(number)
        if counter.count:
            raise RuntimeError("warnings while writing: the parent writes it all again")
        return 0

    def written_here(self, page: Page) -> None:
        """After MkDocs wrote ``page``: write its member's files too, when the page is ours."""
        number = self.index.get(id(page))
        if number is not None and number < self.claims.bounds()[0]:
            write_files(self.config.site_dir, self.files[number], self.old)

    def finish(self) -> None:
        """Wait for the child; when it failed, write its share here."""
        child, self.child = self.child, None
        if child is None:
            return
        logging.getLogger("mkdocs.commands.build").removeFilter(self.filter)
        for page, meta in zip(self.pages, self.meta, strict=True):
            page.meta = meta
        failed = child.result() != 0
        write_files(self.config.site_dir, self.unclaimed, self.old)
        if failed:
            for number in range(self.claims.bounds()[1], len(self.pages)):
                self._write(number)

    def abandon(self) -> None:
        """After a failed build: stop waiting for the child's share and reap it."""
        child, self.child = self.child, None
        if child is not None:
            child.kill()


_REMOVE = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"


def _remover(folder: Path) -> list[str]:
    """Return the command that removes ``folder``: the system's ``rm``, at a low priority, as
    it works beside a build that keeps both cores busy; Python's where there is none."""
    rm, nice = shutil.which("rm"), shutil.which("nice")
    if rm is None or os.name != "posix":
        return [sys.executable, "-c", _REMOVE, str(folder)]
    return [*([nice, "-n", "10"] if nice else []), rm, "-rf", "--", str(folder)]


class OldSite:
    """The last build's files, moved aside at once and removed by a second process meanwhile.

    MkDocs empties the site folder before building, file by file; thousands of partner pages and
    their files take seconds to remove, during which nothing else happens. Moved into one hidden
    folder inside the site folder (which MkDocs' cleaning leaves alone, as it does every hidden
    entry), they are removed while the new site is built. Where moving fails, nothing is moved
    and MkDocs cleans as always.

    The members' own files (everything in ``partner/<slug>/`` but its page) are kept aside in a
    second folder: one that comes out the same again is put back rather than written anew. So
    an unchanged vCard or calendar keeps its time, and with it the ``Last-Modified`` and
    ``ETag`` a web server gives it, and calendar apps polling a feed are told it is unchanged;
    and a rebuild neither removes nor creates thousands of files that did not change.
    """

    def __init__(self, site_dir: str) -> None:
        self.trash: Path | None = None
        self.kept: Path | None = None
        self.remover: subprocess.Popen[bytes] | None = None
        site = Path(site_dir)
        try:
            # Hidden entries are the site owner's, as for MkDocs; but not what a build that was
            # killed while removing its old files left.
            entries = [e for e in site.iterdir()
                       if not e.name.startswith(".") or e.name.startswith(_OURS)]
        except OSError:
            return
        if not entries:
            return
        trash = site / f"{_OURS[0]}{os.getpid()}"
        try:
            trash.mkdir()
            for entry in entries:
                entry.rename(trash / entry.name)
        except OSError:
            pass  # what is left, MkDocs removes
        self.trash = trash
        self.kept = _keep_members_files(trash / "partner", site / f"{_OURS[1]}{os.getpid()}")
        try:
            self.remover = subprocess.Popen(_remover(trash), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self.remover = None

    def put_back(self, path: str, data: bytes, target: Path) -> bool:
        """Move the last build's file at ``path`` to ``target`` if it holds ``data``; return
        whether it did."""
        if self.kept is None or path.count("/") != 2 or not path.startswith("partner/"):
            return False
        kept = os.path.join(self.kept, _kept_name(*path.split("/")[1:]))
        try:
            with open(kept, "rb", buffering=0) as old:
                if old.read(len(data) + 1) != data:
                    return False
            try:
                os.replace(kept, target)
            except FileNotFoundError:  # the page, written first, made the folder but for errors
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(kept, target)
        except OSError:
            return False
        return True

    def gone(self) -> None:
        """Wait until the old files are removed (removing them here if the other process could
        not)."""
        remover, self.remover = self.remover, None
        if remover is not None:
            remover.wait()
        for folder in (self.trash, self.kept):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self.trash = self.kept = None


_OURS = (".partnerdir-old-", ".partnerdir-kept-")
"""The beginnings of the hidden folders a build makes in the site folder, and removes."""


def _kept_name(slug: str, name: str) -> str:
    return f"{slug}~{name}"


def _keep_members_files(partners: Path, kept: Path) -> Path | None:
    """Move every member's own file out of ``partners`` (the last site's) into ``kept``."""
    try:
        kept.mkdir()
        with os.scandir(partners) as members:
            for member in members:
                if member.is_dir(follow_symlinks=False):
                    with os.scandir(member.path) as entries:
                        for entry in entries:
                            if (entry.is_file(follow_symlinks=False)
                                    and not entry.name.endswith(".html")):
                                os.rename(entry.path, kept / _kept_name(member.name, entry.name))
    except OSError:
        pass  # what is not kept (all of it when there were no partner pages) goes with the rest
    return kept if kept.is_dir() else None
