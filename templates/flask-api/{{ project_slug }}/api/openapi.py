"""Make the generated OpenAPI document describe every answer the API gives."""

from typing import Any

from apiflask import APIFlask

ERROR = {"$ref": "#/components/schemas/HTTPError"}
BODY_ERRORS = {
    "400": "Malformed JSON",
    "413": "Request body too large",
    "415": "Request body is not JSON",
}
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
# A list refuses a query parameter it does not take (schemas.py, ListQuery).
UNKNOWN_PARAMETER = "Unknown query parameter: the answer names the accepted ones"


def rate_limited(what: str) -> dict[str, Any]:
    return {
        "description": f"{what}: retry after the `Retry-After` seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": ERROR}},
    }


RATE_LIMITED = rate_limited("Too many writes")


DATABASE_UNAVAILABLE = {
    "description": "The database does not answer: retry after the `Retry-After` seconds",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": ERROR}},
}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def takes_query(operation: dict[str, Any]) -> bool:
    return any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))


def complete_spec(spec: dict[str, Any]) -> dict[str, Any]:
    for path in spec.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
                for status, description in BODY_ERRORS.items():
                    operation["responses"].setdefault(status, error(description))
            if method in WRITE_METHODS:
                operation["responses"].setdefault("429", RATE_LIMITED)
            if method == "get" and takes_query(operation):
                operation["responses"].setdefault("400", error(UNKNOWN_PARAMETER))
            if operation.get("tags") != ["Health"]:
                operation["responses"].setdefault("503", DATABASE_UNAVAILABLE)
    return spec


def register(app: APIFlask) -> None:
    app.spec_processor(complete_spec)
