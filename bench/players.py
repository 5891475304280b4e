"""Independent players on a live channel and a catch-up replay: what each one says.

Not a speed benchmark: a real-client check recorded in bench/RESULTS.md. Builds a
channel whose lessons (8 s each) and gaps make a boundary every 8 s on average
(slate -> lesson, lesson -> lesson, lesson -> slate), serves it with `sabaq
serve`, and lets every player found on this machine (ffmpeg, mpv, VLC's cvlc,
streamlink) play `--seconds` of it live from before the first airing, then the
same stretch as a catch-up replay (?utc=&utcend=). Each player fetches through a
logging proxy of its own (in this script), so every request it makes is timed.
Prints one JSON object: per player and mode, its exit status, how many lines it
printed at warning level, which of those name a timestamp or stream problem, the
first such lines, and its fetches: how many segments, the largest gap between two
segment requests, the playlists' target duration, and whether a gap exceeded one
target duration plus `TOLERANCE_S` (a fetch stall).

    python bench/players.py [--seconds 90] [--trace DIR] [--vlc-verbose 1]

`--trace DIR` writes each player's requests (and the playlists it was served) to
DIR/MODE-PLAYER.jsonl and its output to DIR/MODE-PLAYER.log.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from common import ROOT, free_port, one_channel, packaged, start_sabaq, tear_down

# The project first: bench/ (this script's folder) holds a scheduler.py of its own.
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

from catalog.schedules import publish, save_schedule
from transcoder import TranscodeOptions
from transcoder.slate import plan_slates, render_slates, slate_options

CHANNEL = "al-farabi"
LADDER = (360, 234)
# (lesson, seconds after the cycle's start) in a 48 s cycle: a lesson follows a lesson
# at 10 s, a 13 s gap ends mid-pass of the slate's loop, an 11 s gap after the third:
# 5 boundaries a cycle.
CYCLE = (("a", 2), ("b", 10), ("c", 31))
CYCLE_S = 48
PROBLEMS = re.compile(
    r"timestamp|pts|dts|discontinu|corrupt|clock|out of order|reset|non.monoton|gap|jump",
    re.IGNORECASE,
)
PLAYERS = ("ffmpeg", "mpv", "vlc", "streamlink")
TOLERANCE_S = 1.0
"""How far past one target duration a gap between segment requests may go before it
counts as a stall: a compliant player reloads a live playlist one target duration
after its last load began, so a gap of one target duration is ordinary; the second
allows for the reload's own round trip and for a player's timer waking late on two
cores shared by four players and the server (loopback itself adds milliseconds)."""
FORWARDED = ("Range", "User-Agent", "Accept", "If-None-Match", "If-Modified-Since")
RETURNED = ("Content-Type", "Content-Range", "Accept-Ranges", "Cache-Control", "ETag")
TARGET = re.compile(r"^#EXT-X-TARGETDURATION:(\d+)", re.MULTILINE)


@dataclass
class Fetch:
    """One request a player made: when (seconds after the player started), for what."""

    at: float
    took: float
    path: str
    status: int
    size: int
    playlist: str | None = None  # a playlist's text, as served


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that does not print a player's dropped connection."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@dataclass
class Proxy:
    """A logging HTTP proxy on a port of its own in front of the server, for one
    player: it forwards each request and notes when it came."""

    upstream: int
    fetches: list[Fetch] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as players expect of a server

            def do_GET(self) -> None:
                proxy.forward(self, head=False)

            def do_HEAD(self) -> None:
                proxy.forward(self, head=True)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.lock = threading.Lock()
        self.server = QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def forward(self, handler: BaseHTTPRequestHandler, head: bool) -> None:
        at = time.monotonic()
        headers = {k: v for k in FORWARDED if (v := handler.headers.get(k)) is not None}
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=30)
        try:
            upstream.request("HEAD" if head else "GET", handler.path, headers=headers)
            response = upstream.getresponse()
            status, body = response.status, response.read()
            returned = [(k, v) for k in RETURNED if (v := response.getheader(k)) is not None]
        except OSError as exc:
            status, body, returned = 502, str(exc).encode(), []
        finally:
            upstream.close()
        handler.send_response(status)
        for key, value in returned:
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if not head:
            handler.wfile.write(body)
        path = urlsplit(handler.path).path
        text = body.decode(errors="replace") if path.endswith(".m3u8") else None
        done = time.monotonic()
        with self.lock:
            self.fetches.append(
                Fetch(at - self.started, done - at, handler.path, status, len(body), text)
            )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def listing(fetches: list[Fetch]) -> tuple[int, dict[str, float], set[str]]:
    """The largest target duration of the media playlists served, each listed
    segment's duration by its path, and the names (SEQUENCE.ts) that end a playlist
    with EXT-X-ENDLIST."""
    target, listed, last = 0, {}, set()
    for fetch in fetches:
        if fetch.playlist is None or fetch.status != 200:
            continue
        target = max([target, *(int(t) for t in TARGET.findall(fetch.playlist))])
        length, path = None, ""
        for line in fetch.playlist.splitlines():
            if line.startswith("#EXTINF:"):
                length = float(line[len("#EXTINF:") :].split(",")[0])
            elif line and not line.startswith("#") and length is not None:
                path = urlsplit(urljoin(fetch.path, line)).path
                listed[path] = length
                length = None
        if "#EXT-X-ENDLIST" in fetch.playlist and path:
            last.add(path.rsplit("/", 1)[-1])
    return target, listed, last


def cadence(fetches: list[Fetch], exited: float) -> dict[str, object]:
    """How regularly a player fetched segments before it `exited` (seconds after it
    started): their number, the largest gap between consecutive segment requests (the
    last one to the exit included, unless the player had fetched the end of an ended
    playlist: a live channel never ends, so a player still playing must keep
    fetching), the target duration, whether a gap exceeded it by more than
    TOLERANCE_S, and the least media it had fetched ahead of the time since its first
    segment request (below 0: it had less than it could have played)."""
    target, listed, last = listing(fetches)
    segments = sorted(
        (f for f in fetches if urlsplit(f.path).path.endswith(".ts") and f.status in (200, 206)),
        key=lambda f: f.at,
    )
    names = [urlsplit(f.path).path.rsplit("/", 1)[-1] for f in segments]
    instants = [f.at for f in segments]
    finished = bool(last & set(names))
    if segments and not finished:
        instants.append(exited)
    gaps = [(b - a, b) for a, b in itertools.pairwise(instants)]
    widest = max(gaps, key=lambda g: g[0], default=None)
    ahead: float | None = None
    fetched, seen = 0.0, set[str]()
    for at, fetch, name in zip(instants, [*segments, None], [*names, ""], strict=False):
        if seen:  # from the second request on: had it fetched as much as had passed?
            lead = fetched - (at - instants[0])
            ahead = lead if ahead is None else min(ahead, lead)
        if fetch is not None and name not in seen:  # a variant switch may fetch it again
            seen.add(name)
            fetched += listed.get(urlsplit(fetch.path).path, 0.0)
    return {
        "segment_fetches": len(segments),
        "playlist_fetches": sum(1 for f in fetches if f.playlist is not None),
        "failed_requests": sum(1 for f in fetches if f.status >= 400),
        "media_fetched_s": round(fetched, 2),
        "first_segment_at_s": round(segments[0].at, 2) if segments else None,
        "last_segment_at_s": round(segments[-1].at, 2) if segments else None,
        "exited_at_s": round(exited, 2),
        "fetched_to_the_end": finished,
        "max_gap_s": round(widest[0], 2) if widest else None,
        "max_gap_ends_at_s": round(widest[1], 2) if widest else None,
        "gaps_over_target": sum(1 for gap, _ in gaps if gap > target + TOLERANCE_S),
        "target_duration_s": target,
        "tolerance_s": TOLERANCE_S,
        "stall": bool(widest and widest[0] > target + TOLERANCE_S),
        "least_media_ahead_s": round(ahead, 2) if ahead is not None else None,
    }


def build(data: Path, seconds: float) -> datetime:
    """The site; returns when its first cycle starts (soon after now)."""
    lessons = [
        {"id": f"kk-05-math-00{i}", "series": "kk-05-math", "episode": i, "duration_s": 8}
        for i in (1, 2, 3)
    ]
    catalog = one_channel(data, lessons, CHANNEL)
    options = TranscodeOptions(ladder=LADDER, preset="veryfast")
    ids = {"a": "kk-05-math-001", "b": "kk-05-math-002", "c": "kk-05-math-003"}
    for tone, lesson in zip((330, 440, 550), ids.values(), strict=True):
        packaged(data, catalog, lesson, 8, options, "640x360", tone)
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=15)
    airings = []
    for cycle in range(int(seconds * 2 // CYCLE_S) + 2):
        for key, offset in CYCLE:
            start = first + timedelta(seconds=cycle * CYCLE_S + offset)
            end = start + timedelta(seconds=8)
            airing = {"lesson": ids[key], "channel": CHANNEL}
            airings.append({**airing, "start": start.isoformat(), "end": end.isoformat()})
    with catalog.session() as session:
        publish(session, save_schedule(session, {"airings": airings}, "Asia/Almaty"), first)
        plan = plan_slates({CHANNEL: "Әл-Фараби"}, [], {}, "Asia/Almaty", first, 0)
    render_slates(data, plan, slate_options(LADDER))
    catalog.dispose()
    return first


def commands(
    urls: dict[str, str], seconds: float, live: bool, vlc_verbose: int = 1
) -> dict[str, list[str]]:
    """How each installed player plays its URL (`urls` by player) for `seconds` with
    no picture or sound out."""
    found = {}
    if shutil.which("ffmpeg"):
        start = ["-live_start_index", "0"] if live else []
        found["ffmpeg"] = [
            *("ffmpeg", "-hide_banner", "-nostdin", "-v", "warning", *start, "-i", urls["ffmpeg"]),
            *("-t", str(seconds), "-f", "null", "-"),
        ]
    if shutil.which("mpv"):
        found["mpv"] = [
            *("mpv", "--no-config", "--vo=null", "--ao=null", "--really-quiet=no"),
            *("--msg-level=all=warn", f"--length={seconds}", urls["mpv"]),
        ]
    if shutil.which("cvlc"):
        # VLC refuses to run as root: as root, it runs as nobody.
        nobody = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        found["vlc"] = [
            *nobody,
            *("cvlc", "--intf", "dummy", "--vout", "dummy", "--aout", "dummy"),
            *("--play-and-exit", f"--run-time={int(seconds)}", f"--verbose={vlc_verbose}"),
            urls["vlc"],
        ]
    streamlink = Path(sys.executable).with_name("streamlink")
    if streamlink.exists():
        found["streamlink"] = [
            *(str(streamlink), "--loglevel", "warning", "--hls-duration", str(int(seconds))),
            *("--hls-live-edge", "10", "-o", "/dev/null", "-f"),
            *(f"hlsvariant://{urls['streamlink']}", "best"),
        ]
    return found


def run_all(
    programs: dict[str, list[str]],
    proxies: dict[str, Proxy],
    limit: float,
    trace: Path | None = None,
    mode: str = "",
) -> dict[str, dict[str, object]]:
    """Run the players side by side, each through its proxy; what each said and how
    it fetched."""
    running, outputs, ended = {}, {}, dict[str, float]()
    with contextlib.ExitStack() as files:
        for name, command in programs.items():
            proxies[name].started = time.monotonic()
            outputs[name] = files.enter_context(tempfile.TemporaryFile())
            running[name] = subprocess.Popen(
                command, stdout=outputs[name], stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + limit
        while len(ended) < len(running):  # each one's exit noted to a tenth of a second
            for name, process in running.items():
                if name not in ended and process.poll() is not None:
                    ended[name] = time.monotonic() - proxies[name].started
                elif name not in ended and time.monotonic() > deadline:
                    process.kill()
                    process.wait()
                    ended[name] = time.monotonic() - proxies[name].started
            time.sleep(0.1)
        texts = {}
        for name, output in outputs.items():
            output.seek(0)
            texts[name] = output.read().decode(errors="replace")
    said: dict[str, dict[str, object]] = {}
    for name, process in running.items():
        text = texts[name]
        lines = [line for line in text.splitlines() if line.strip()]
        fetches = list(proxies[name].fetches)
        if trace is not None:
            (trace / f"{mode}-{name}.log").write_text(text, encoding="utf-8")
            with (trace / f"{mode}-{name}.jsonl").open("w", encoding="utf-8") as out:
                for fetch in fetches:
                    out.write(json.dumps(fetch.__dict__, ensure_ascii=False) + "\n")
        problems = [line for line in lines if PROBLEMS.search(line)]
        said[name] = {
            "exit": process.returncode,
            "lines": len(lines),
            "timestamp_or_stream_problems": len(problems),
            "first_problems": problems[:5],
            # VLC prefixes its object's address: left out, so repeats show as one
            "distinct_lines": sorted({re.sub(r"^\[[0-9a-f]+\] ", "", line) for line in lines})[:25],
            "fetching": cadence(fetches, ended[name]),
        }
    return said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--trace", type=Path, help="write each player's requests and output here")
    parser.add_argument("--vlc-verbose", type=int, default=1, help="VLC's --verbose (2: debug)")
    args = parser.parse_args()
    if args.trace is not None:
        args.trace.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sabaq-players-"))
    sabaq = None
    proxies: dict[str, Proxy] = {}
    try:
        first = build(work, args.seconds)
        port = free_port()
        sabaq = start_sabaq(work, port, 1)
        path = f"/live/{CHANNEL}/master.m3u8"
        limit = args.seconds * 2 + 60
        proxies = {name: Proxy(port) for name in PLAYERS}
        urls = {name: f"http://127.0.0.1:{proxy.port}{path}" for name, proxy in proxies.items()}
        time.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds() - 5))
        began = datetime.now(UTC)
        programs = commands(urls, args.seconds, True, args.vlc_verbose)
        live = run_all(programs, proxies, limit, args.trace, "live")
        end = datetime.now(UTC)
        for proxy in proxies.values():
            proxy.close()
        proxies = {name: Proxy(port) for name in PLAYERS}
        query = f"?utc={int(began.timestamp())}&utcend={int(end.timestamp())}"
        urls = {name: f"http://127.0.0.1:{p.port}{path}{query}" for name, p in proxies.items()}
        programs = commands(urls, args.seconds, False, args.vlc_verbose)
        catchup = run_all(programs, proxies, limit, args.trace, "catchup")
        instants = {
            first + timedelta(seconds=cycle * CYCLE_S + offset + length)
            for cycle in range(100)
            for _, offset in CYCLE
            for length in (0, 8)
        }
        boundaries = sum(1 for instant in instants if began <= instant <= end)
        print(
            json.dumps(
                {
                    "seconds": args.seconds,
                    "boundaries_about": boundaries,
                    "live": live,
                    "catchup": catchup,
                },
                ensure_ascii=False,
            )
        )
    finally:
        for proxy in proxies.values():
            proxy.close()
        tear_down(sabaq, None, work)


if __name__ == "__main__":
    main()
