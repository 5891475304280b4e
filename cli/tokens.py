"""`sabaq token`: bearer tokens for producer actions on the server."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from cli.common import Context, err, out, pass_context, user_errors


@click.group()
def token() -> None:
    """Bearer tokens for producer actions on the server (upload, transcode, publish)."""


@token.command("create")
@click.argument("name")
@pass_context
def token_create(context: Context, name: str) -> None:
    """Make a token called NAME and print it once (only its digest is stored)."""
    from catalog.tokens import create_token

    with user_errors(), context.catalog().session() as session:
        secret = create_token(session, name)
    err.print(f"token {escape(name)} created; keep it now, it cannot be shown again:")
    click.echo(secret)


@token.command("list")
@pass_context
def token_list(context: Context) -> None:
    """Token names with when they were made and revoked (never the tokens)."""
    from catalog.tokens import list_tokens

    with user_errors(), context.catalog().session() as session:
        infos = list_tokens(session)
    table = Table("name", "created", "revoked")
    for info in infos:
        revoked = info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else ""
        table.add_row(info.name, info.created_at.isoformat(timespec="seconds"), revoked)
    out.print(table)


@token.command("revoke")
@click.argument("name")
@pass_context
def token_revoke(context: Context, name: str) -> None:
    """Stop the token called NAME from working."""
    from catalog.tokens import revoke_token

    with user_errors(), context.catalog().session() as session:
        revoke_token(session, name)
    out.print(f"token {escape(name)} revoked")
