"""Producer bearer tokens: created once, shown once, kept only as SHA-256 digests.

A token is 32 random bytes (URL-safe text with a `sabaq_` prefix, so that
secret scanners recognise it). Checking a presented token compares its
digest with every active digest in constant time, so the time taken says
nothing about how close a guess was.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import ApiToken, utcnow
from errors import BadInput, NotFound

PREFIX = "sabaq_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never the token itself."""

    name: str
    created_at: datetime
    revoked_at: datetime | None


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str) -> str:
    """A new token for `name`; the only time its text exists outside the caller."""
    if not NAME.match(name):
        raise BadInput(f"token name {name!r}: use 1 to 100 letters, digits, '.', '_', '@' or '-'")
    if session.scalars(select(ApiToken).where(ApiToken.name == name)).first() is not None:
        raise BadInput(f"token name {name!r} is taken; revoke it or choose another name")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, digest=digest(token)))
    session.flush()
    return token


def revoke_token(session: Session, name: str) -> None:
    """Stop a token from working (its row stays, for the record)."""
    row = session.scalars(select(ApiToken).where(ApiToken.name == name)).first()
    if row is None:
        raise NotFound(f"no token named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def list_tokens(session: Session) -> list[TokenInfo]:
    """Every token's name and dates, oldest first."""
    rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.id))
    return [TokenInfo(r.name, r.created_at, r.revoked_at) for r in rows]


MOST_ACTIVE = 10_000  # more active tokens than any broadcaster has producers


def active_tokens(session: Session) -> dict[str, str]:
    """Digest -> name of every active token (the server keeps this in memory)."""
    rows = session.execute(
        select(ApiToken.digest, ApiToken.name)
        .where(ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
        .limit(MOST_ACTIVE)
    )
    return {stored: name for stored, name in rows}


def token_owner(session: Session, presented: str) -> str | None:
    """The name of the active token `presented` is, else None (constant time per token)."""
    wanted = digest(presented)
    owner = None
    rows = session.execute(
        select(ApiToken.name, ApiToken.digest).where(ApiToken.revoked_at.is_(None))
    )
    for name, stored in rows:
        if hmac.compare_digest(stored, wanted):
            owner = name
    return owner
