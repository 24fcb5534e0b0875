"""OpenAPI post-processing: the error answers every operation can give, documented once.

Any operation can refuse an anonymous caller (401) or one without the right role
(403), and any operation with a path parameter can answer 404; any operation that
takes input can answer 400, and one that takes a body 415 when the body cannot be read. Each answers with the ``Error`` body of
``common.errors``; views document the answers specific to them (409 with its
codes, for instance) themselves.
"""

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "string",
            "description": "A sentence for people; names the field or row at fault.",
        },
        "code": {"type": "string", "description": "A stable code for programs."},
        "field": {"type": "string", "description": "The field at fault, where there is one."},
        "errors": {
            "description": "Every fault: a list of {row, field, message} for an import, "
            "or the fields and their messages for a form.",
        },
    },
    "required": ["detail", "code"],
}
DESCRIPTIONS = {
    "400": "Bad input; `detail` names the field or row.",
    "401": "Not signed in.",
    "403": "Not allowed for your role.",
    "404": "Not found, or not yours to see.",
    "415": "The body is not in a format this operation reads.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            wanted = ["400", "401", "403"]
            if "{" in path:
                wanted.append("404")
            if "requestBody" in operation:
                wanted.append("415")
            for status in wanted:
                responses.setdefault(
                    status,
                    {
                        "description": DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return result
