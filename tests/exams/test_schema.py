"""The exam API is documented in the OpenAPI schema, 4xx included."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DOCUMENTED = {
    ("/api/v1/questions/", "post"): {"201", "400", "403"},
    ("/api/v1/questions/import/", "post"): {"201", "400", "403"},
    ("/api/v1/questions/{id}/correct-answer/", "post"): {"201", "400", "403", "404"},
    ("/api/v1/exams/", "post"): {"201", "400", "403"},
    ("/api/v1/exam-sessions/", "post"): {"201", "400", "403", "409"},
    ("/api/v1/exam-sessions/", "get"): {"200"},
    ("/api/v1/exam-sessions/{id}/attempts/", "post"): {"200", "201", "403", "404", "409"},
    ("/api/v1/exam-sessions/{id}/board/", "get"): {"200", "403", "404"},
    ("/api/v1/attempts/{id}/", "get"): {"200", "404"},
    ("/api/v1/attempts/{id}/answers/", "put"): {"200", "400", "404", "409"},
    ("/api/v1/attempts/{id}/submit/", "post"): {"200", "404"},
    ("/api/v1/attempts/{id}/review/", "get"): {"200", "403", "404", "409"},
    ("/api/v1/attempts/{id}/extra-time/", "post"): {"201", "400", "403", "404", "409"},
    ("/api/v1/mistakes/", "get"): {"200"},
    ("/api/v1/practice/", "post"): {"200", "201", "403", "409"},
}


def test_every_exam_endpoint_is_in_the_schema_with_its_error_responses():
    response = token_client(UserFactory()).get("/api/schema/")

    assert response.status_code == 200
    paths = yaml.safe_load(response.content)["paths"]
    for (path, method), codes in DOCUMENTED.items():
        # Every operation also documents the answers any operation can give (lawplatform.schema).
        common = {"400", "401", "403"} | ({"404"} if "{" in path else set())
        if "requestBody" in paths[path][method]:
            common.add("415")
        assert set(paths[path][method]["responses"]) == codes | common, (path, method)
    error = paths["/api/v1/attempts/{id}/answers/"]["put"]["responses"]["409"]["content"]["application/json"][
        "schema"
    ]
    assert error == {"$ref": "#/components/schemas/Error"}
