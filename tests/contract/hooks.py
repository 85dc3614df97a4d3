"""Schemathesis hooks for the contract run (``schemathesis.toml`` names this module).

Each operation is called as the role that may use it, signed in through the API itself as an
integration would: the clinic admin for reports and webhooks, the physiotherapist for devices,
exercise plans and trend reviews, the nurse for the rest. A 401 signs in again: the run calls
``POST /api/v1/auth/logout/``, which revokes the token it is sent with.

``CONTRACT_USERS`` names the three users (``nurse,physio,admin``), ``CONTRACT_PASSWORD`` their
password.
"""

import os
import re

import requests
import schemathesis

ADMIN_PATHS = re.compile(r"^/api/v1/(reports|webhooks)/")
PHYSIO_PATHS = re.compile(r"^/api/v1/(devices|exercise-plans)/|^/api/v1/patients/\{id\}/reviews/")


def role_of(case, context):
    path, method = case.operation.path, case.method.upper()
    if ADMIN_PATHS.match(path):
        return "admin"
    if method != "GET" and PHYSIO_PATHS.match(path):
        return "physio"
    return "nurse"


@schemathesis.auth(retry_on=[401], cache_by_key=role_of)
class ApiToken:
    def get(self, case, context):
        nurse, physio, admin = os.environ["CONTRACT_USERS"].split(",")
        username = {"nurse": nurse, "physio": physio, "admin": admin}[role_of(case, context)]
        base_url = context.operation.schema.get_base_url().rstrip("/")
        response = requests.post(
            f"{base_url}/api/v1/auth/token/",
            json={"username": username, "password": os.environ["CONTRACT_PASSWORD"]},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Token {data}"
