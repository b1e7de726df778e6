"""The API's documentation for signed-in people: ``/openapi.json`` and ``/docs``, a page without script.

FastAPI's own ``/docs`` loads Swagger UI from a CDN and starts it with an inline script; both break
the Content-Security-Policy and the first fails offline. This page is written on the server from the
same OpenAPI document: every operation with its parameters, body and answers, and every schema with
its fields. To try a call, send it with a personal API token (``reintegratie users token``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from web import deps
from web.auth import Principal, SignInRequired, current_principal
from web.i18n import request_language

router = APIRouter(include_in_schema=False)

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
REF_PREFIX = "#/components/schemas/"
CONSTRAINTS = (
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "pattern",
)

LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "API-documentatie",
        "intro": "Elke aanroep van de API stuurt een persoonlijk API-token mee: "
        "'Authorization: Bearer <token>'. HR maakt het token met 'reintegratie users token'.",
        "document": "Het OpenAPI-document (JSON)",
        "operations": "Aanroepen",
        "schemas": "Gegevensvormen",
        "parameters": "Parameters",
        "body": "Inhoud van het verzoek",
        "answers": "Antwoorden",
        "name": "Naam",
        "where": "Waar",
        "type": "Soort",
        "required": "Verplicht",
        "description": "Uitleg",
        "limits": "Grenzen",
        "yes": "ja",
        "no": "nee",
        "status": "Status",
    },
    "en": {
        "title": "API documentation",
        "intro": "Every call to the API carries a personal API token: "
        "'Authorization: Bearer <token>'. HR makes the token with 'reintegratie users token'.",
        "document": "The OpenAPI document (JSON)",
        "operations": "Operations",
        "schemas": "Schemas",
        "parameters": "Parameters",
        "body": "Request body",
        "answers": "Answers",
        "name": "Name",
        "where": "In",
        "type": "Type",
        "required": "Required",
        "description": "Description",
        "limits": "Limits",
        "yes": "yes",
        "no": "no",
        "status": "Status",
    },
}


@dataclass(frozen=True)
class Field:
    name: str
    where: str
    type: str
    required: bool
    description: str
    limits: str


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: list[str]
    parameters: list[Field]
    body: str | None
    answers: list[tuple[str, str, str]]  # status, description, type


@dataclass(frozen=True)
class Schema:
    name: str
    description: list[str]
    type: str
    fields: list[Field]


def paragraphs(text: str) -> list[str]:
    """A docstring's paragraphs, each on one line (the source wraps them by hand)."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def type_text(schema: Mapping[str, Any]) -> str:
    """A schema in a few words: ``CaseSummary``, ``array of string``, ``string (date) | null``."""
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF_PREFIX)
    for combination in ("anyOf", "oneOf", "allOf"):
        if combination in schema:
            return " | ".join(type_text(part) for part in schema[combination])
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " | ".join(str(part) for part in kind)
    if kind == "array":
        return "array of " + type_text(schema.get("items", {}))
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return "object of " + type_text(schema["additionalProperties"])
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def limits_text(schema: Mapping[str, Any]) -> str:
    parts = [f"{name} {schema[name]}" for name in CONSTRAINTS if name in schema]
    for combination in ("anyOf", "oneOf"):
        parts += [limits_text(part) for part in schema.get(combination, []) if limits_text(part)]
    return ", ".join(parts)


def fields_of(schema: Mapping[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(
            name=name,
            where="",
            type=type_text(field),
            required=name in required,
            description=str(field.get("description", field.get("title", ""))),
            limits=limits_text(field),
        )
        for name, field in schema.get("properties", {}).items()
    ]


def _body_type(operation: Mapping[str, Any]) -> str | None:
    body = operation.get("requestBody")
    if not body:
        return None
    return "; ".join(
        f"{media}: {type_text(content.get('schema', {}))}" for media, content in body.get("content", {}).items()
    )


def _answers(operation: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    answers = []
    for status, answer in operation.get("responses", {}).items():
        content = answer.get("content", {})
        kinds = "; ".join(type_text(media.get("schema", {})) for media in content.values())
        answers.append((str(status), str(answer.get("description", "")), kinds))
    return answers


def operations_of(document: Mapping[str, Any]) -> list[Operation]:
    operations = []
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [
                Field(
                    name=str(parameter["name"]),
                    where=str(parameter.get("in", "")),
                    type=type_text(parameter.get("schema", {})),
                    required=bool(parameter.get("required", False)),
                    description=str(parameter.get("description", "")),
                    limits=limits_text(parameter.get("schema", {})),
                )
                for parameter in operation.get("parameters", [])
            ]
            operations.append(
                Operation(
                    anchor=str(operation.get("operationId", f"{method}-{path}")),
                    method=method.upper(),
                    path=path,
                    summary=str(operation.get("summary", "")),
                    description=paragraphs(str(operation.get("description", ""))),
                    parameters=parameters,
                    body=_body_type(operation),
                    answers=_answers(operation),
                )
            )
    return operations


def schemas_of(document: Mapping[str, Any]) -> list[Schema]:
    return [
        Schema(
            name=name,
            description=paragraphs(str(schema.get("description", ""))),
            type=type_text(schema),
            fields=fields_of(schema),
        )
        for name, schema in sorted(document.get("components", {}).get("schemas", {}).items())
    ]


async def document_reader(request: Request) -> Principal:
    """A signed-in person (session or token); anonymous gets the API's 401, also without /api/ in the path."""
    try:
        return await current_principal(request)
    except SignInRequired as refused:
        raise SignInRequired(api=True) from refused


@router.get("/openapi.json")
async def openapi_document(request: Request, principal: Principal = Depends(document_reader)) -> Response:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
async def api_docs(request: Request, principal: Principal = Depends(current_principal)) -> Response:
    document = request.app.openapi()
    return deps.render(
        request,
        "api_docs.html",
        {
            "labels": LABELS[request_language(request)],
            "api_title": document.get("info", {}).get("title", ""),
            "api_version": document.get("info", {}).get("version", ""),
            "operations": operations_of(document),
            "schemas": schemas_of(document),
        },
    )
