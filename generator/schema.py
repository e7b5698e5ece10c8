"""JSON Schemas of the profile and of ``network.yaml``, for editors (yaml-language-server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.model import NetworkSettings, Partner

SCHEMA_DIR = Path("content") / "schema"
PARTNER_SCHEMA = SCHEMA_DIR / "partner.schema.json"
NETWORK_SCHEMA = SCHEMA_DIR / "network.schema.json"
SCHEMA_LINE = "# yaml-language-server: $schema=../content/schema/partner.schema.json"


def _finish(schema: dict[str, Any], title: str, name: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"schema/{name}",
        **schema,
        "title": title,
    }


def partner_schema(settings: NetworkSettings | None = None) -> dict[str, Any]:
    """Return the profile's JSON Schema; with ``settings``, service ids are enumerated."""
    schema = Partner.model_json_schema(by_alias=True, mode="validation")
    if settings is not None:
        items = schema["properties"]["services"]["items"]
        items["enum"] = [s.id for s in settings.services]
        items["description"] = "; ".join(f"{s.id}: {s.de} / {s.en}" for s in settings.services)
    return _finish(schema, "Partner profile", "partner.schema.json")


def network_schema() -> dict[str, Any]:
    """Return the JSON Schema of ``network.yaml``."""
    schema = NetworkSettings.model_json_schema(by_alias=True, mode="validation")
    return _finish(schema, "Network settings", "network.schema.json")


def render(schema: dict[str, Any]) -> str:
    """Serialise a schema the way it is committed."""
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def expected_files(root: Path, settings: NetworkSettings | None) -> dict[Path, str]:
    """Return the schema files as they should be on disk under ``root``."""
    return {
        root / PARTNER_SCHEMA: render(partner_schema(settings)),
        root / NETWORK_SCHEMA: render(network_schema()),
    }
