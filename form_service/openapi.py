"""The OpenAPI description of the service's public HTTP interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.availability import State
from generator.vocabulary import COUNTRIES

_ERRORS = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
    "required": ["errors"],
}
_STRING = {"type": "string"}
_MAYBE = {"type": "string", "nullable": True}
_AVAILABILITY = {
    "type": "object",
    "required": ["generated", "members"],
    "properties": {
        "generated": {"type": "string", "format": "date-time"},
        "members": {
            "type": "object",
            "description": "By member slug: the state today, its last day, who stands in, "
            "and the services paused for the member.",
            "additionalProperties": {
                "type": "object",
                "required": ["state", "until", "deputy"],
                "properties": {
                    "state": {"type": "string", "enum": [s.value for s in State]},
                    "until": {**_MAYBE, "format": "date"},
                    "deputy": {**_MAYBE, "description": "Slug of the member who stands in."},
                    "planned": {
                        "type": "object",
                        "description": "What the member said for a later time.",
                        "required": ["state", "from", "until"],
                        "properties": {
                            "state": {"type": "string", "enum": ["full", "away"]},
                            "from": {"type": "string", "format": "date"},
                            "until": {"type": "string", "format": "date"},
                        },
                    },
                    "paused": {
                        "type": "object",
                        "description": "Services whose requests the member is not offered "
                        "for now, having lately declined one as not their expertise: by service "
                        "id, the last day of the pause (UTC). Only for members with any.",
                        "additionalProperties": {"type": "string", "format": "date"},
                    },
                },
            },
        },
    },
}


def description(
    service_ids: list[str], partner_slugs: list[str], countries: Sequence[str], home_country: str
) -> dict[str, Any]:
    """Return the OpenAPI 3.0 document."""
    # Each country's own format is checked on intake; the description accepts any of them.
    formats = dict.fromkeys(COUNTRIES[code].postal_code.pattern for code in countries)
    request_schema = {
        "type": "object",
        "required": ["service", "message", "name", "email", "consent"],
        "anyOf": [
            {"required": ["postal_code"]},
            {"required": ["remote"], "properties": {"remote": {"enum": [True]}}},
        ],
        "properties": {
            "service": {"type": "string", "enum": service_ids},
            "postal_code": {"type": "string", "pattern": f"^(?:{'|'.join(formats)})$"},
            "country": {
                "type": "string",
                "enum": list(countries),
                "description": f"ISO 3166 code of the postal code's country; default "
                f"{home_country}.",
            },
            "remote": {"type": "boolean"},
            "language": {"type": "string", "pattern": "^[a-z]{2}$"},
            "needed_from": {"type": "string", "format": "date"},
            "needed_until": {"type": "string", "format": "date"},
            "message": {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": "\\S"},
            "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"},
            "email": {"type": "string", "format": "email"},
            "phone": _STRING,
            "consent": {"type": "boolean", "enum": [True]},
            "referred_by": {"type": "string", "enum": partner_slugs},
            "reason": {"type": "string", "enum": ["capacity", "expertise", "absence"]},
            "website": {"type": "string", "description": "Honeypot: leave empty."},
            "altcha": {"type": "string", "description": "The solved check of GET "
                       "/api/challenge (base64 JSON); without it the request is held for "
                       "review."},
            "idempotency_key": {"type": "string", "maxLength": 100},
        },
    }
    json_error = {"application/json": {"schema": _ERRORS}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "partnerdir form service", "version": "1"},
        "paths": {
            "/api/requests": {
                "post": {
                    "summary": "Submit a client's request",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": request_schema},
                            "application/x-www-form-urlencoded": {"schema": request_schema},
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Stored",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "properties": {"id": _STRING, "status": _STRING},
                                "required": ["id", "status"],
                            }}},
                        },
                        "303": {"description": "Stored; plain form posts go to the thank-you page"},
                        "400": {"description": "Unreadable body", "content": json_error},
                        "403": {"description": "Posted from another site", "content": json_error},
                        "413": {"description": "Body too large"},
                        "415": {"description": "Unsupported content type", "content": json_error},
                        "422": {
                            "description": "Invalid fields: JSON for JSON posts, a page with "
                            "the filled form for plain form posts",
                            "content": {**json_error, "text/html": {"schema": _STRING}},
                        },
                        "429": {"description": "Too many requests"},
                    },
                }
            },
            "/api/challenge": {
                "get": {
                    "summary": "A new proof-of-work check for the request form",
                    "description": "An ALTCHA challenge, signed by the service and valid for "
                    "an hour; its solution is sent as the field altcha and admits one request.",
                    "responses": {
                        "200": {"description": "The challenge", "content": {
                            "application/json": {"schema": {"type": "object"}}}},
                        "429": {"description": "Too many requests"},
                    },
                }
            },
            "/api/availability": {
                "get": {
                    "summary": "Every member's availability today, for the site",
                    "description": "Public and without personal data; cacheable for under a "
                    "minute; readable from the site's origin; gzipped when accepted.",
                    "parameters": [{
                        "name": "members", "in": "query", "required": False,
                        "schema": _STRING,
                        "description": "Comma-separated slugs (at most 20): only these members",
                    }],
                    "responses": {
                        "200": {"description": "The document", "content": {
                            "application/json": {"schema": _AVAILABILITY}}},
                        "304": {"description": "Unchanged since the ETag in If-None-Match"},
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Health check",
                    "responses": {"200": {"description": "Healthy"},
                                  "503": {"description": "Database unreachable"}},
                }
            },
        },
    }
