"""The error answers of the JSON API as the OpenAPI document describes them: the shapes the app really
sends (web.app's handlers, FastAPI's HTTPException), so that a client, and schemathesis's conformance
checks, can trust /openapi.json.

A router declares :data:`API_ERRORS` (401, 422); a route adds what it can answer beyond that
(:func:`problem`: 400, 403, 404, ... each with its own description).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """A refusal in one sentence (401, 403, 404, ...)."""

    detail: str = Field(description="what is wrong and, where it helps, how to go on")


class FieldProblem(BaseModel):
    field: str = Field(description="the field, dotted for a nested one (contact.weekday, schedule.0.from_date)")
    message: str = Field(description="what is wrong with it and what it takes")
    nl: str | None = Field(default=None, description="the message in Dutch, where there is one")


class InvalidInput(BaseModel):
    """A 422: the input was refused and nothing was changed. ``detail`` says it in one line, ``errors``
    names each wrong field."""

    detail: str = Field(description="'Invalid input.' and every wrong field with its message, in one line")
    errors: list[FieldProblem]
    code: str | None = Field(default=None, description="why the rules refused an intake, where they did")


def problem(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses`` entry for an error answer with a :class:`Problem` body. The schema is
    given as JSON's: FastAPI would file a ``model`` under an HTML route's media type, but the error
    answers of pages are JSON too, for a client that does not ask for HTML (web.app)."""
    schema = Problem.model_json_schema()
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


INVALID_INPUT: dict[int | str, dict[str, Any]] = {
    422: {"model": InvalidInput, "description": "Invalid input: each wrong field named; nothing was changed."}
}
API_ERRORS: dict[int | str, dict[str, Any]] = (
    problem(401, "Not signed in: send 'Authorization: Bearer <personal API token>'.") | INVALID_INPUT
)
"""What every route of the JSON API may answer: 401 without sign-in, 422 for input it refuses."""


def page(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses`` entry for an answer that is an HTML page (a form shown again, with its
    errors next to the fields)."""
    return {status: {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}}
