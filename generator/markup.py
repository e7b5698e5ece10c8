"""Turn untrusted profile text into safe HTML and JSON for pages (no MkDocs)."""

from __future__ import annotations

import json
from typing import Any

import nh3
from markdown_it import MarkdownIt

# What a description may contain once rendered: text formatting, lists and links; no images
# (they would load from third parties), no raw HTML, no scripts or styles.
_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "code", "blockquote", "hr"}
_SCHEMES = {"http", "https", "mailto", "tel"}
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                 0x2028: "\\u2028", 0x2029: "\\u2029"}


# The "js-default" preset renders raw HTML as text and refuses javascript:, data: and the like.
_MD = MarkdownIt("js-default")


def safe_markdown(text: str) -> str:
    """Render profile Markdown to HTML without raw HTML, images or unsafe link schemes."""
    html = _MD.render(text)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes=_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def script_json(data: Any) -> str:
    """Serialize ``data`` for a ``<script>`` element: ``</script>`` and ``<!--`` cannot occur."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)

