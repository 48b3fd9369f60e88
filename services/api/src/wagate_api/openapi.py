"""The OpenAPI document, corrected to show the error envelope the api really sends.

FastAPI documents every route with a body or parameters as returning
``422 HTTPValidationError``. This api returns ``400`` with the error envelope
instead (see ``errors.py``), so a client generated from the document would
expect the wrong status and shape. Routes document their other errors by
description only, and this adds the envelope as their body.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel

ERROR_SCHEMA = "ErrorEnvelope"
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")
_REF_TEMPLATE = "#/components/schemas/{model}"


class ErrorBody(BaseModel):
    """The failure: a stable code, a readable message and optional details."""

    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorEnvelope(BaseModel):
    """A failed response."""

    success: Literal[False] = False
    error: ErrorBody


def install_error_schema(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe validation errors as 400 with the envelope."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = app.openapi_schema
        if schema is None:
            schema = generate()
            use_error_envelope(schema)
            app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def use_error_envelope(schema: dict[str, Any]) -> None:
    """Describe every error response in ``schema`` with the error envelope.

    FastAPI's 422 becomes the 400 the api sends for invalid input, and every
    documented error status gets the envelope as its body.
    """
    content = {
        "application/json": {"schema": {"$ref": _REF_TEMPLATE.format(model=ERROR_SCHEMA)}}
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            unprocessable = responses.get("422")
            if unprocessable is not None and _is_fastapi_validation(unprocessable):
                del responses["422"]
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault(
                    "400",
                    {"description": "Invalid request (VALIDATION_ERROR or INVALID_JSON)"},
                )
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = content

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_SCHEMAS:
        components.pop(name, None)
    envelope = ErrorEnvelope.model_json_schema(ref_template=_REF_TEMPLATE)
    components.update(envelope.pop("$defs", {}))
    components[ERROR_SCHEMA] = envelope


def _is_fastapi_validation(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))
