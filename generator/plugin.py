"""MkDocs glue: add the generated directory pages in memory and watch the profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from generator.errors import ProfileError
from generator.loader import Network, load_network
from generator.pages import render_site, site_options
from partnerdir.settings import SettingError, Settings

# Pages reached from the directory, not from the navigation: thousands of partner pages in
# the navigation would make every page of the site heavy and the build slow.
_OUT_OF_NAV = ("partner/", "leistungen/", "anfrage/danke", "partners.json")


class PartnerdirConfig(Config):
    """Options of the ``partnerdir`` plugin in ``mkdocs.yml``."""

    form_service_url = config_options.Optional(config_options.Type(str))
    """Where the request form posts; before PARTNERDIR_FORM_SERVICE_URL and network.yaml."""


class PartnerdirPlugin(BasePlugin[PartnerdirConfig]):
    """Render ``partners/`` into the site while MkDocs builds or serves it."""

    def __init__(self) -> None:
        self.root = Path(".")
        self.network: Network | None = None
        self.bodies: dict[str, str] = {}

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Remember the network folder: the one holding ``mkdocs.yml``."""
        self.root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        """Load and validate the profiles, then add every generated page."""
        network, self.network = self.network, None  # a caller's preloaded network, used once
        if network is None:
            try:
                network = load_network(self.root)
            except ProfileError as exc:
                raise PluginError(f"invalid profiles:\n{exc}") from exc
        try:
            settings = Settings.from_env({"root": self.root})
        except SettingError as exc:
            raise PluginError(str(exc)) from exc
        self.bodies.clear()
        options = site_options(network, settings, self.config.form_service_url,
                               str(config.theme.get("language") or "de"))
        for page in render_site(network, options):
            existing = files.get_file_from_path(page.path)
            if existing is not None:
                files.remove(existing)
            inclusion = (InclusionLevel.NOT_IN_NAV if page.path.startswith(_OUT_OF_NAV)
                         and page.path != "leistungen/index.md" else InclusionLevel.UNDEFINED)
            content = page.content
            if page.html:
                # The body is finished HTML: hand it over after the Markdown step instead of
                # having Python-Markdown parse thousands of HTML blocks only to keep them as is.
                self.bodies[page.path] = page.body
                content = page.head
            files.append(File.generated(config, page.path, content=content, inclusion=inclusion))
        return files

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
