"""MkDocs' writing of a large site shared with a forked child: the second core of a build.

After every page is read and converted, MkDocs renders each one through the theme and writes
it, one after another; with thousands of partner pages that is most of a build. Where forking is
safe (see ``generator/parallel.py``), the plugin forks once all pages are read: the child renders
and writes a share of the partner pages and the members' own files (vCard, calendar), while
MkDocs goes on with the rest. For the child's pages MkDocs still runs every plugin event, so the
search index and the sitemap stay whole, but renders an empty template and writes nothing.

A child that fails or logs a warning hands its whole share back: the parent then renders and
writes it itself, so a strict build sees every warning exactly as it would without the fork.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

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

CHILD_SHARE = 0.55
"""Of the partner pages, the child's part. The parent also copies the theme's files, writes the
sitemap and the search index and builds every other page."""


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


def write_files(site_dir: str, files: Iterable[tuple[str, str]]) -> None:
    """Write files given as (path below the site, text)."""
    for path, text in files:
        utils.write_file(text.encode("utf-8"), str(Path(site_dir) / path))


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


class SplitWriting:
    """A child writing a share of the site while MkDocs writes the rest."""

    def __init__(self, pages: list[Page], files: list[tuple[str, str]], config: MkDocsConfig,
                 nav: Navigation, env: jinja2.Environment, doc_files: Sequence[File]) -> None:
        self.pages, self.files = pages, files
        self.config, self.nav, self.env, self.doc_files = config, nav, env, doc_files
        self.templates = {id(page): page.meta.get("template") for page in pages}
        self.child: Forked[int] | None = Forked(self._child)
        # Only the parent reaches this point: MkDocs renders nothing for the child's pages.
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({ELSEWHERE: ""}),
                                          env.loader or jinja2.DictLoader({})])
        for page in pages:
            page.meta["template"] = ELSEWHERE
        self.filter = _SkipOwnPages({page.file.src_uri for page in pages})
        logging.getLogger("mkdocs.commands.build").addFilter(self.filter)

    def _child(self) -> int:
        counter = _silenced()
        for page in self.pages:
            write_page(page, self.config, self.nav, self.env, self.doc_files)
        write_files(self.config.site_dir, self.files)
        if counter.count:
            raise RuntimeError("warnings while writing: the parent writes it all again")
        return len(self.pages)

    def finish(self) -> None:
        """Wait for the child; when it failed, write its share here."""
        child, self.child = self.child, None
        if child is None:
            return
        logging.getLogger("mkdocs.commands.build").removeFilter(self.filter)
        if child.result() == len(self.pages):
            return
        for page in self.pages:
            template = self.templates[id(page)]
            if template is None:
                page.meta.pop("template", None)
            else:
                page.meta["template"] = template
            write_page(page, self.config, self.nav, self.env, self.doc_files)
        write_files(self.config.site_dir, self.files)

    def abandon(self) -> None:
        """After a failed build: stop waiting for the child's share and reap it."""
        child, self.child = self.child, None
        if child is not None:
            child.kill()


def child_share(pages: Iterable[Page]) -> list[Page]:
    """Return the partner pages the child renders: every page whose index falls in its share."""
    partner_pages = [page for page in pages if page.file.src_uri.startswith("partner/")]
    return partner_pages[int(len(partner_pages) * (1 - CHILD_SHARE)):]

