"""`sabaq`: the command line of producers and broadcasters.

Thin by design: each command parses its options, calls the service layer or
a package, prints, and turns the errors users can meet into one line on
stderr and an exit code (`cli.common.user_errors`). The commands live in one
module a room: lessons (catalog), schedules, transcodes (transcode, slate,
jobs, worker), tokens, serving (serve, demo).
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import Context
from cli.lessons import catalog
from cli.schedules import schedule
from cli.serving import demo, serve
from cli.tokens import token
from cli.transcodes import jobs, slate, transcode, worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SABAQ_DATA_DIR",
    default=Path("sabaq-data"),
    show_default=True,
    help="Data directory: database, media and HLS packages (env SABAQ_DATA_DIR).",
)
@click.version_option(package_name="sabaq")
@click.pass_context
def main(ctx: click.Context, data_dir: Path) -> None:
    """sabaq — school lessons on television and online.

    Import a lesson catalogue, schedule it into channel grids, transcode the
    lessons with a sign-language interpreter into adaptive HLS, and serve
    them on demand, live, to IPTV players and as web pages.

    The database is a SQLite file in the data directory unless
    SABAQ_DATABASE_URL names another (e.g. postgresql+psycopg://...).
    """
    ctx.obj = Context(data_dir)


for command in (catalog, schedule, transcode, slate, jobs, worker, token, serve, demo):
    main.add_command(command)

__all__ = ["main"]
