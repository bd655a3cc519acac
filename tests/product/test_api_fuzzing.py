"""Every operation of the OpenAPI document fuzzed: no server error; on /api/ every 4xx is a JSON error."""

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from sqlmodel import Session

from acquis.auth import service
from acquis.auth.models import Role
from tests.support.web import UserFactory

EXAMPLES_PER_OPERATION = 12


def test_api_answers_every_generated_request_without_a_server_error(
    app: FastAPI, users: UserFactory, session: Session
) -> None:
    registrar = users(Role.REGISTRAR)  # the role that sees the most
    headers = {"Authorization": f"Bearer {service.issue_api_token(session, registrar, days=1, by=None)}"}
    session.commit()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5, "the API lost its operations"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_properly(case: Case) -> None:
            response = case.call(headers=headers)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
            if response.status_code >= 400 and case.path.startswith("/api/"):
                error = response.json()["error"]
                assert isinstance(error["code"], str) and error["message"], where

        answers_properly()
