"""API clients for the named people: each authenticates with their own token."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def client_of(user=None):
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous(db):
    return client_of()


@pytest.fixture
def nora_api(nora):
    return client_of(nora)


@pytest.fixture
def phil_api(phil):
    return client_of(phil)


@pytest.fixture
def ada_api(ada):
    return client_of(ada)


@pytest.fixture
def sam_api(sam):
    return client_of(sam)


@pytest.fixture
def nora_token(nora):
    return Token.objects.get_or_create(user=nora)[0].key
