"""Producers' bearer tokens: made, listed and revoked (only digests are stored)."""

from __future__ import annotations

from catalog import tokens
from catalog.tokens import TokenInfo, digest
from service.workspace import Workspace

__all__ = ["TokenInfo", "active_tokens", "create_token", "digest", "list_tokens", "revoke_token"]


def create_token(workspace: Workspace, name: str) -> str:
    """A new token called `name`, returned once: only its digest is kept."""
    with workspace.catalog().session() as session:
        return tokens.create_token(session, name)


def list_tokens(workspace: Workspace) -> list[TokenInfo]:
    """Every token's name with when it was made and revoked (never the tokens)."""
    with workspace.catalog().session() as session:
        return tokens.list_tokens(session)


def revoke_token(workspace: Workspace, name: str) -> None:
    """Stop the token called `name` from working (NotFound when there is none)."""
    with workspace.catalog().session() as session:
        tokens.revoke_token(session, name)


def active_tokens(workspace: Workspace) -> dict[str, str]:
    """Digest -> name of every active token, for a server to answer strangers from
    memory (compare a presented token's `digest` with these)."""
    with workspace.catalog().session() as session:
        return tokens.active_tokens(session)
