"""Producer tokens: shown once, stored as digests, revocable, checked in constant time."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import ApiToken
from catalog.tokens import create_token, digest, list_tokens, revoke_token, token_owner
from errors import BadInput


def test_token_is_stored_only_as_its_digest(catalog):
    with catalog.session() as session:
        token = create_token(session, "studio-1")
    assert token.startswith("sabaq_")
    assert len(token) > 40
    with catalog.session() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.digest == digest(token)
        assert token not in (row.name, row.digest)
        assert token_owner(session, token) == "studio-1"
        assert token_owner(session, token + "x") is None
        assert token_owner(session, "") is None


def test_revoked_token_stops_working(catalog):
    with catalog.session() as session:
        token = create_token(session, "studio-1")
        other = create_token(session, "studio-2")
        revoke_token(session, "studio-1")
    with catalog.session() as session:
        assert token_owner(session, token) is None
        assert token_owner(session, other) == "studio-2"
        infos = list_tokens(session)
    assert [(i.name, i.revoked_at is not None) for i in infos] == [
        ("studio-1", True),
        ("studio-2", False),
    ]


@pytest.mark.parametrize("name", ["", "has space", "x" * 101, "<&>"])
def test_bad_token_name_is_refused(catalog, name):
    with catalog.session() as session, pytest.raises(BadInput, match="token name"):
        create_token(session, name)


def test_token_names_are_unique_and_revoking_unknown_says_so(catalog):
    with catalog.session() as session:
        create_token(session, "studio")
    with catalog.session() as session, pytest.raises(BadInput, match="taken"):
        create_token(session, "studio")
    with catalog.session() as session, pytest.raises(BadInput, match="no token named"):
        revoke_token(session, "ghost")
