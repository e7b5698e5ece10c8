"""The answer to a plain form post with mistakes: the site's own request form again, rendered by
the generator's template, with what the client typed and each message at its field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from markupsafe import Markup

from form_service.strings import language
from form_service.web import backend, render_page
from generator.pages import Renderer, SiteOptions


def form_page(errors: Mapping[str, list[str]], values: Mapping[str, Any]) -> str:
    """Render the request form in the language of the form posted, filled in, with errors."""
    lang = language(values.get("language"))
    settings = backend().settings
    # The form posts back here, to this service; its links lead to the site.
    options = SiteOptions(form_service_url=request.host_url, language=lang)
    kept = {name: value for name, value in values.items() if isinstance(value, str)}
    page = Renderer(backend().network, options).request(
        site=settings.site_url, values=kept, errors=dict(errors))
    return render_page("request_form.html", lang, form=Markup(page.body))
