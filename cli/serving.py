"""`sabaq serve` and `sabaq demo`: the server, and the demo that builds then serves."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from rich.progress import Progress

from catalog import open_catalog
from cli.common import (
    Context,
    fail,
    out,
    pass_context,
    progress,
    setting,
    timezone_option,
    user_errors,
)
from streaming.catchup import DAYS
from streaming.sockets import PER_ADDRESS

if TYPE_CHECKING:
    from streaming.origin import Origin

host_option = setting("--host", default="127.0.0.1", help="Address to listen on.")
port_option = setting("--port", type=click.IntRange(1, 65535), default=8080)


@click.command()
@host_option
@port_option
@setting(
    "--max-upload-mb",
    type=click.IntRange(min=1),
    default=2048,
    help="Largest lesson upload accepted by the producer API.",
)
@setting(
    "--max-connections-per-address",
    "per_address",
    type=click.IntRange(min=0),
    default=PER_ADDRESS,
    envvar="SABAQ_MAX_CONNECTIONS_PER_ADDRESS",
    help="Connections one client address may hold at once (0: no cap); trusted proxies "
    "are exempt. Further ones get 503 (env SABAQ_MAX_CONNECTIONS_PER_ADDRESS).",
)
@setting(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    help="Server processes sharing the port (one per core is a good start).",
)
@setting("--access-log/--no-access-log", default=True, help="Log each request.")
@setting(
    "--db-wait",
    type=click.FloatRange(min=0),
    default=60,
    help="Seconds to keep trying a database that does not answer at start.",
)
@setting(
    "--catchup-days",
    type=click.IntRange(0, 90),
    default=DAYS,
    envvar="SABAQ_CATCHUP_DAYS",
    help="Days back a channel can be replayed (?utc= catch-up and start-over); the M3U "
    "list says so to IPTV players (env SABAQ_CATCHUP_DAYS).",
)
@click.option(
    "--public-url",
    envvar="SABAQ_PUBLIC_URL",
    default=None,
    help="Base of every absolute link in the M3U list, guide and calendars, e.g. "
    "https://tv.example.kz behind a TLS proxy (env SABAQ_PUBLIC_URL).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    envvar="SABAQ_TRUSTED_PROXIES",
    help="Address or network whose X-Forwarded-Proto/-Host are believed when there is "
    "no --public-url; repeat it (env SABAQ_TRUSTED_PROXIES, space-separated).",
)
@pass_context
def serve(
    context: Context,
    host: str,
    port: int,
    max_upload_mb: int,
    workers: int,
    access_log: bool,
    db_wait: float,
    public_url: str | None,
    trusted_proxies: tuple[str, ...],
    per_address: int,
    catchup_days: int,
) -> None:
    """Serve pages, the API, VOD, live channels, the M3U list and the XMLTV guide.

    Reading is public; producer actions (upload, queue transcoding, publish)
    need a bearer token from `sabaq token create`.
    """
    from streaming.origin import Origin, networks
    from streaming.origin import public_url as checked_url

    with user_errors():
        origin = Origin(checked_url(public_url) if public_url else None, networks(trusted_proxies))
    _serve(
        context,
        host,
        port,
        max_upload_bytes=max_upload_mb * 1024**2,
        workers=workers,
        access_log=access_log,
        db_wait_s=db_wait,
        origin=origin,
        per_address=per_address,
        catchup_days=catchup_days,
    )


def _serve(
    context: Context,
    host: str,
    port: int,
    banner: Callable[[], None] | None = None,
    max_upload_bytes: int = 2 * 1024**3,
    workers: int = 1,
    access_log: bool = True,
    db_wait_s: float = 0.0,
    origin: Origin | None = None,
    per_address: int = PER_ADDRESS,
    catchup_days: int = DAYS,
) -> None:
    from streaming.serve import run_server

    context.catalog(db_wait_s)  # opened and migrated once, before any worker starts
    url = context.workspace.database_url
    if banner:
        banner()
    processes = f", {workers} processes" if workers > 1 else ""
    try:
        run_server(
            lambda: open_catalog(url, migrate=False),
            context.data_dir,
            host,
            port,
            workers,
            max_upload_bytes,
            announce=lambda _: out.print(
                f"serving on http://{host}:{port}{processes} (Ctrl+C to stop)"
            ),
            access_log=access_log,
            origin=origin,
            per_address=per_address,
            catchup_days=catchup_days,
        )
    except OSError as exc:
        fail(f"cannot listen on {host}:{port} ({exc.strerror})")


@click.command()
@setting("--lessons", type=click.IntRange(1, 200), default=8, help="Sample lessons to make.")
@setting("--duration", type=click.IntRange(10, 3600), default=60, help="Seconds per sample lesson.")
@click.option("--serve/--no-serve", "serve_after", default=True, help="Serve when done.")
@host_option
@port_option
@timezone_option("Broadcast time zone of the sample channels.")
@pass_context
def demo(
    context: Context,
    lessons: int,
    duration: int,
    serve_after: bool,
    host: str,
    port: int,
    timezone: str,
) -> None:
    """Build sample lessons, transcode them with a signer, schedule them from now, serve.

    Lessons are generated with ffmpeg (no downloads): a picture with the
    title in Kazakh or Russian and a tone; odd-numbered ones are signed.
    """
    from service.demo import build

    context.catalog()
    with user_errors(), progress() as bar:
        built = build(context.workspace, lessons, duration, ZoneInfo(timezone), _BarReporter(bar))
    summary = (
        f"{built.lessons} lessons, schedule {built.status} in {built.days} day(s), "
        f"version {built.version} published"
    )
    base = f"http://{host}:{port}"

    def banner() -> None:
        out.print(
            f"\n[bold]sabaq demo[/] ({summary})\n"
            f"  pages     {base}/\n"
            f"  lesson    {base}/lessons/{built.first_lesson}\n"
            f"  live      {base}/channels/al-farabi\n"
            f"  TV guide  {base}/guide\n"
            f"  IPTV      {base}/iptv/playlist.m3u\n"
            f"  XMLTV     {base}/iptv/epg.xml\n"
            f"  API       {base}/api/lessons\n"
            f"  OpenAPI   {base}/api/openapi.json\n"
        )

    if serve_after:
        _serve(context, host, port, banner)
    else:
        banner()


class _BarReporter:
    """The demo's progress as rich bars and lines (service.demo.Reporter)."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar

    def say(self, text: str) -> None:
        self.bar.console.print(text, highlight=False, markup=False)

    def task(self, label: str, total: float) -> Callable[[str, float], None]:
        task = self.bar.add_task(label, total=total)
        shares: dict[str, float] = {}

        def update(item: str, done: float) -> None:
            if total == 1.0:  # shares of several items: the bar shows their mean
                shares[item] = done
                done = sum(shares.values()) / max(len(shares), 1)
            self.bar.update(task, completed=done)

        return update
