"""Make the generated OpenAPI document describe every answer the API gives."""

from typing import Any

from apiflask import APIFlask

ERROR = {"$ref": "#/components/schemas/HTTPError"}
BODY_ERRORS = {
    "400": "Malformed JSON",
    "413": "Request body too large",
    "415": "Request body is not JSON",
}


def complete_spec(spec: dict[str, Any]) -> dict[str, Any]:
    for path in spec.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
                for status, description in BODY_ERRORS.items():
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": ERROR}},
                        },
                    )
    return spec


def register(app: APIFlask) -> None:
    app.spec_processor(complete_spec)
