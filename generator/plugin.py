"""MkDocs glue: add the generated directory pages in memory and watch the profiles."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from generator.errors import ProfileError
from generator.loader import Network, load_network, load_partner
from generator.pages import PRIVACY_PATHS, site_options
from generator.pages import Page as RenderedPage
from generator.parallel import worthwhile
from generator.preview import Preview
from generator.profile_cache import ProfileCache
from generator.split_site import render_split
from generator.split_writing import OldSite, SplitWriting, write_files
from generator.statistics_page import PATH as STATISTICS
from generator.strings import TABLES
from partnerdir.settings import SettingError, Settings

# Pages reached from the directory, not from the navigation: thousands of partner pages in
# the navigation would make every page of the site heavy and the build slow.
_OUT_OF_NAV = ("partner/", "leistungen/", "anfrage/danke", "partners.json", "en/",
               "mitglieder/", "statistik")


class PartnerdirConfig(Config):
    """Options of the ``partnerdir`` plugin in ``mkdocs.yml``."""

    form_service_url = config_options.Optional(config_options.Type(str))
    """Where the request form posts; before PARTNERDIR_FORM_SERVICE_URL and network.yaml."""


class _Kept(File):
    """A generated page whose file from the last build of a served site is still right."""

    def is_modified(self) -> bool:
        """Tell MkDocs (serving with --dirty) not to write the page again."""
        return False


class _FinishedPage(Page):
    """A generated page whose body is finished HTML, out of the navigation.

    MkDocs builds a Python-Markdown converter for every page, also to convert nothing: the
    front matter is all these pages hand to Markdown. Their body arrives in on_page_content.
    """

    def render(self, config: MkDocsConfig, files: Files) -> None:
        """Convert nothing: what converting the empty Markdown of the page would give."""
        self.content = ""
        self.toc = get_toc([])
        self._title_from_render = None
        self.present_anchor_ids = set()
        self.links_to_anchors = {}


def _surroundings(files: Files, config: MkDocsConfig, root: Path) -> object:
    """Return what every page depends on besides the profiles: the other files' times."""
    paths = [config.config_file_path, str(root / "network.yaml"),
             *(f.abs_src_path for f in files if f.abs_src_path)]
    return tuple(os.stat(p).st_mtime_ns if p and os.path.exists(p) else None for p in paths)


def _quiet_dirty(record: logging.LogRecord) -> bool:
    return "'dirty' build" not in record.getMessage()


class PartnerdirPlugin(BasePlugin[PartnerdirConfig]):
    """Render ``partners/`` into the site while MkDocs builds or serves it.

    Having ``on_startup``, one instance lives through all rebuilds of ``mkdocs serve``: it
    keeps the profiles and pages of the last build, so that after a saved profile only what
    changed is checked, rendered and (with ``--dirty``) written again.
    """

    def __init__(self) -> None:
        self.root = Path(".")
        self.network: Network | None = None
        self.bodies: dict[str, str] = {}
        self.dirty = False
        self.profiles: ProfileCache | None = None
        self.preview: Preview | None = None
        self.nav: Any = None
        self.held: list[tuple[str, str]] = []
        """Members' own files (vCard, calendar) written beside MkDocs rather than through it."""
        self.split: SplitWriting | None = None
        self.share = False
        """Whether this build shares MkDocs' writing with a second process."""
        self.old_site: OldSite | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Keep profiles and pages between rebuilds when serving."""
        if command == "serve":
            self.profiles = ProfileCache(load_partner)
            self.preview = Preview()
            self.dirty = dirty
            if dirty:
                # The plugin decides which pages are current; MkDocs' general warning that a
                # dirty build may leave pages stale would only alarm members on every save.
                logging.getLogger("mkdocs.commands.build").addFilter(_quiet_dirty)

    def on_shutdown(self) -> None:
        """After serving: MkDocs keeps this instance for later builds in the same process,
        which are plain builds again."""
        self.profiles, self.preview, self.dirty = None, None, False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Remember the network folder: the one holding ``mkdocs.yml``."""
        self.root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        # The theme's footer (overrides/partials/footer.html) speaks from the site's catalogs.
        config.extra["partnerdir_footer"] = {
            lang: {"label": t["footer_label"], "imprint": t["footer_imprint"],
                   "privacy": t["footer_privacy"], "members": t["footer_members"],
                   "privacy_url": PRIVACY_PATHS[lang].removesuffix(".md") + "/",
                   "statistics": ""}  # the page's link, set once the page is there
            for lang, t in TABLES.items()
        }
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        """Load and validate the profiles, then add every generated page."""
        network, self.network = self.network, None  # a caller's preloaded network, used once
        if network is None:
            try:
                network = load_network(self.root, cache=self.profiles,
                                       parallel=self.profiles is None)
            except ProfileError as exc:
                raise PluginError(f"invalid profiles:\n{exc}") from exc
        try:
            settings = Settings.from_env({"root": self.root})
        except SettingError as exc:
            raise PluginError(str(exc)) from exc
        self.bodies.clear()
        options = site_options(network, settings, self.config.form_service_url,
                               str(config.theme.get("language") or "de"))
        preview = self.preview
        surroundings = _surroundings(files, config, self.root) if preview else None
        written: dict[str, tuple[RenderedPage, str]] = {}
        self.held = []
        # A large build shares the writing with a second process (see on_env). Members' own
        # files are written beside MkDocs, by that process where there is one, so that a file
        # that came out the same last time can be put back (see OldSite).
        hold = preview is None
        self.share = hold and worthwhile(len(network.partners))
        for page in preview.render(network, options) if preview else render_split(network, options):
            existing = files.get_file_from_path(page.path)
            if existing is not None:
                files.remove(existing)
            inclusion = (InclusionLevel.NOT_IN_NAV if page.path.startswith(_OUT_OF_NAV)
                         and page.path != "leistungen/index.md" else InclusionLevel.UNDEFINED)
            kind = File
            if preview is not None:
                kind = _Kept if self.dirty and preview.unchanged(page, surroundings) else File
            content = page.content
            if hold and page.path.startswith("partner/") and not page.path.endswith(".md"):
                self.held.append((page.path, content))
                continue
            if page.html:
                # The body is finished HTML: hand it over after the Markdown step instead of
                # having Python-Markdown parse thousands of HTML blocks only to keep them as is.
                self.bodies[page.path] = page.body
                content = page.head
            file = kind.generated(config, page.path, content=content, inclusion=inclusion)
            files.append(file)
            if page.html and inclusion is InclusionLevel.NOT_IN_NAV:
                _FinishedPage(None, file, config)
            if preview is not None:
                written[page.path] = (page, file.abs_dest_path)
        for lang, words in config.extra["partnerdir_footer"].items():
            words["statistics"] = (TABLES[lang]["footer_statistics"]
                                   if files.get_file_from_path(STATISTICS) else "")
        if preview is not None:
            for gone in preview.remember(written, surroundings):
                # A removed profile's page must not stay reachable in the preview.
                Path(gone).unlink(missing_ok=True)
        return files

    def on_nav(self, nav: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """Remember the navigation every page is rendered with."""
        self.nav = nav
        return nav

    @event_priority(-100)  # after every other plugin has prepared the environment
    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """Keep the theme's compiled templates between rebuilds while serving; in a large
        build, fork the child that writes a share of the pages."""
        if self.preview is not None:
            env.bytecode_cache = self.preview.templates
        elif self.share and worthwhile(len(files)):
            doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
            pages = [f.page for f in doc_files if f.page is not None]
            self.split = SplitWriting(pages, self.held, config, self.nav, env, doc_files,
                                      self.old_site)
            self.held = []
        return env

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Before MkDocs empties the site folder for a build: move the last build's files
        aside, to be removed while this build runs."""
        if self.preview is None:
            self.old_site = OldSite(config.site_dir)

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """With the writing shared: write the member's files beside a partner page built here."""
        if self.split is not None:
            self.split.written_here(page)
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Wait for the child's share of the site (or write it here when it failed)."""
        split, self.split = self.split, None
        if split is not None:
            split.finish()
        write_files(config.site_dir, self.held, self.old_site)
        self.held = []
        self._old_site_gone()

    def on_build_error(self, *, error: Exception) -> None:
        """Do not leave a child or old files behind a failed build."""
        split, self.split = self.split, None
        if split is not None:
            split.abandon()
        self._old_site_gone()

    def _old_site_gone(self) -> None:
        old, self.old_site = self.old_site, None
        if old is not None:
            old.gone()

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Return the generated HTML body of a generated page."""
        return self.bodies.get(page.file.src_uri, html)

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when a profile or the network settings change."""
        server.watch(str(self.root / "partners"))
        server.watch(str(self.root / "network.yaml"))
        return server
