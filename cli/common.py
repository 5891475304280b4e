"""What every command shares: the workspace context, the one mapping of sabaq's
errors to exit codes, progress bars, and the options several commands take."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from catalog import Catalog
from errors import BadInput, Infeasible, SabaqError
from service import Workspace
from service.schedules import DEFAULT_TIMEZONE

err = Console(stderr=True)
out = Console()

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
DEFAULT_LADDER = "720,480,360,234"


def fail(message: str, code: int = EXIT_FAILED, details: list[str] | None = None) -> NoReturn:
    """Print one line naming what is wrong (then any further problems, indented) and exit."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    for line in details or []:
        err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    sys.exit(code)


PREFIXES: dict[type[SabaqError], str] = {Infeasible: "infeasible: "}


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn sabaq's errors (errors) into one line and an exit code, never a
    traceback; further problems of the same input follow, indented."""
    try:
        yield
    except SabaqError as exc:
        code = exc.exit_code  # each error carries its own: bad input 2, other failures 1
        prefix = next((p for k, p in PREFIXES.items() if isinstance(exc, k)), "")
        fail(f"{prefix}{exc}", code, exc.details[1:] if len(exc.details) > 1 else None)


class Ladder(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """Rung heights such as 720,480,360,234; a bad one is a usage error naming the option."""

    name = "heights"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from transcoder.ladder import parse_ladder

        if isinstance(value, tuple):
            return value
        try:
            return parse_ladder(str(value))
        except BadInput as exc:
            self.fail(str(exc).removeprefix("ladder: "), param, ctx)


class TimeZoneName(click.ParamType):  # type: ignore[type-arg]
    """An IANA time zone name, judged by the problem document's own rule."""

    name = "zone"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from scheduler.fields import time_zone

        try:
            time_zone(value)
        except BadInput as exc:
            self.fail(str(exc).removeprefix("timezone: "), param, ctx)
        return str(value)


def setting(*names: str, **attributes: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An option whose default --help shows: most of sabaq's options are settings."""
    return click.option(*names, show_default=True, **attributes)


def output_option(
    help_text: str, *, required: bool = False, file: bool = True, directory: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-o/--output: what a command writes (a file, a directory, or either)."""
    kind = click.Path(file_okay=file, dir_okay=directory, path_type=Path)
    return click.option("-o", "--output", type=kind, required=required, help=help_text)


def timezone_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--timezone, checked before the command runs (a usage error, exit 2)."""
    return setting("--timezone", type=TimeZoneName(), default=DEFAULT_TIMEZONE, help=help_text)


def ladder_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return setting("--ladder", type=Ladder(), default=DEFAULT_LADDER, help=help_text)


preset_option = setting("--preset", default="veryfast", help="libx264 preset.")


class Context:
    """Options shared by every command: the workspace (data directory and catalogue)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        """The data directory set by --data (global or after the command)."""
        if self._workspace is None or self._workspace.root != self.data_dir:
            self._workspace = Workspace(self.data_dir)
        return self._workspace

    def catalog(self, wait_s: float = 0.0) -> Catalog:
        """The catalogue, opened (and migrated) on first use; a database that does not
        answer is tried again for up to `wait_s` seconds."""

        def retrying(reason: str, delay: float) -> None:
            err.print(f"[yellow]{escape(reason)}[/]; trying again in {delay:.1f} s")

        with user_errors():
            return self.workspace.catalog(wait_s, retrying)


_pass_context = click.make_pass_decorator(Context)


def _set_data_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    context = ctx.find_object(Context)
    if value is not None and context is not None:
        context.data_dir = value


def pass_context(command: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the shared Context, and accept --data after the command name too."""
    option = click.option(
        "--data",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_set_data_dir,
        help="Data directory (the same as the global --data).",
    )
    return option(_pass_context(command))


def write_text(output: Path | None, text: str) -> None:
    """Write to a file atomically (temp file, then rename), or to stdout."""
    from catalog.files import write_atomic

    if output is None:
        click.echo(text, nl=False)
        return
    with user_errors():
        write_atomic(output, text)


def read_json(path: Path) -> Any:
    """A JSON file, or a one-line error (exit 2) naming what is wrong."""
    from catalog.problem_io import load_json

    with user_errors():
        return load_json(path)


def progress() -> Progress:
    """Bars on stderr, so that standard output stays for results."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
