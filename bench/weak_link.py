"""Weak-link benchmark: how soon a phone on 300 kbit/s and 300 ms sees a picture, and
whether it then plays on, with hls.js in Chromium, live and on demand.

Prints one JSON object: the seconds from play() to the first picture and the `waiting`
events in the WATCH seconds after it, for a lesson on demand (`vod`), a channel off the
air (`off_air`: the slate's 1.92 s segments; its lesson airs hours later) and a channel
opened TUNE_IN_S after a lesson began (`live`: hls.js's start falls in the slate just
before the lesson's 6 s segments). Each with the pages as they are (`pages`) and, in
the same run on the same site, two baselines without the pages' start logic: their
hls.js settings before this work (`before`) and hls.js's defaults (`defaults`). Each
page gets a fresh browser context (an empty cache), 390x844 CSS pixels at 3 device
pixels each. The machine is shared: `lag_ms` (how late a 100 ms timer fired, at
worst) tells a busy CPU from a slow link, and `waiting_ahead_s` the buffer left when
the video waited.

    python bench/weak_link.py [--watch 60] [--rounds 1] [--extra JSON] [--log events.jsonl]

Needs Debian's chromium and hls.js (make install install-test-tools).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The project first: bench/ (this script's folder) holds a scheduler.py of its own.
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

from bench.common import LADDER, free_port, packaged, start_sabaq, tear_down  # noqa: E402
from catalog import open_catalog  # noqa: E402
from catalog.problem_io import import_problem  # noqa: E402
from catalog.schedules import publish, save_schedule  # noqa: E402
from transcoder import TranscodeOptions  # noqa: E402
from transcoder.slate import plan_slates, render_slates, slate_options  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
KBPS, LATENCY_MS = 300, 300
LESSON_S, GAP_S = 87, 30
"""A lesson long enough to watch a minute of on demand after a slow start (14 segments
of 6 s and a 3 s tail), and the off-air gap between its airings."""
TUNE_IN_S = 5
"""When the live page is opened: this long after a lesson began, as a family that sits
down for a lesson on time. hls.js (three target durations behind the edge, the page
loaded at 300 kbit/s) then starts in the slate's last seconds before the lesson."""
CHANNEL, OFF_AIR, LESSON = "al-farabi", "el-arna", "kk-05-math-001"
BEFORE = {"capLevelToPlayerSize": True, "startLevel": -1, "abrEwmaDefaultEstimate": 250000}
"""The pages' hls.js settings before this work (56b93f5), without their start logic."""

# Wraps hls.js as the page loads it: `window.sabaqConfig`, when set, replaces the
# page's settings (the baseline), and every event that explains a stall is logged
# with the time since play() and the buffer ahead of the playhead.
HOOK = """
(() => {
  const log = [];
  window.sabaqLog = log;
  window.sabaqT0 = performance.now();
  const at = () => Math.round(performance.now() - window.sabaqT0) / 1000;
  const ahead = video => {
    const b = video.buffered, t = video.currentTime;
    for (let i = 0; i < b.length; i++) {
      if (b.start(i) <= t + 0.1 && t < b.end(i)) { return Math.round((b.end(i) - t) * 100) / 100; }
    }
    return 0;
  };
  window.sabaqAhead = ahead;
  let lag = 0, last = performance.now();
  setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 100);
    last = now;
  }, 100);
  window.sabaqLag = () => { const l = lag; lag = 0; return Math.round(l); };
  function instrument(hls) {
    const E = hls.constructor.Events;
    const on = (name, fn) => hls.on(E[name], (_, d) => log.push({t: at(), e: name, ...fn(d)}));
    on('MANIFEST_PARSED', d => ({levels: d.levels.map(l => [l.height, l.bitrate]),
                                 first: d.firstLevel}));
    on('LEVEL_SWITCHING', d => ({level: d.level, height: d.height, bitrate: d.bitrate}));
    on('FRAG_LOADED', d => {
      const s = d.frag.stats;
      return {level: d.frag.level, sn: d.frag.sn, dur: d.frag.duration, bytes: s.total,
              ttfb: Math.round(s.loading.first - s.loading.start),
              load: Math.round(s.loading.end - s.loading.start),
              bw: Math.round(hls.bandwidthEstimate)};
    });
    on('FRAG_BUFFERED', d => ({level: d.frag.level, sn: d.frag.sn,
                               ahead: ahead(hls.media || {buffered: {length: 0}})}));
    on('ERROR', d => ({details: d.details, fatal: d.fatal}));
    let first = true;
    on('LEVEL_UPDATED', d => {
      // Where hls.js would start a live stream, and the segments around it.
      if (!first || !d.details.live) { return {}; }
      first = false;
      const at = hls.liveSyncPosition;
      return {sync: at, around: d.details.fragments
        .filter(f => f.start + f.duration > at - 4 && f.start < at + 10)
        .map(f => [f.sn, Math.round(f.start * 100) / 100, f.duration])};
    });
  }
  let wrapped;
  Object.defineProperty(window, 'Hls', {
    configurable: true,
    get() { return wrapped; },
    set(Original) {
      wrapped = class extends Original {
        constructor(config) {
          super(window.sabaqConfig || config);
          instrument(this);
        }
        once(event, listener, context) {
          // A baseline page has none of the page's own start logic (its one-off
          // LEVEL_UPDATED listener; hls.js itself never listens once to that event).
          if (window.sabaqPlain && event === Original.Events.LEVEL_UPDATED) { return; }
          return super.once(event, listener, context);
        }
      };
    },
  });
})();
"""

# The `waiting` that play() itself fires while nothing is buffered yet is the start,
# not a stall: events are counted from the first picture on.
PLAY = """() => new Promise(done => {
  const video = document.getElementById('player');
  window.sabaqT0 = performance.now();
  window.sabaqWaiting = [];
  video.muted = true;
  video.play();
  const timer = setInterval(() => {
    if (video.currentTime > 0) {
      clearInterval(timer);
      video.addEventListener('waiting', () => {
        const hls = window.sabaqHls;
        const entry = {t: Math.round(performance.now() - window.sabaqT0) / 1000,
                       at: video.currentTime, ahead: window.sabaqAhead(video),
                       level: hls.currentLevel, lag_ms: window.sabaqLag()};
        window.sabaqWaiting.push(entry);
        window.sabaqLog.push({e: 'waiting', ...entry});
      });
      done((performance.now() - window.sabaqT0) / 1000);
    }
  }, 20);
})"""

SAMPLE = """() => {
  const video = document.getElementById('player'), hls = window.sabaqHls;
  const entry = {t: Math.round(performance.now() - window.sabaqT0) / 1000, e: 'sample',
                 at: Math.round(video.currentTime * 100) / 100, ahead: window.sabaqAhead(video),
                 level: hls.currentLevel, bw: Math.round(hls.bandwidthEstimate),
                 lag_ms: window.sabaqLag()};
  window.sabaqLog.push(entry);
  return entry;
}"""


def build_site(data: Path) -> datetime:
    """One lesson of LESSON_S on demand and aired every LESSON_S + GAP_S on a channel
    from now on, and a second channel off the air (its slate) for hours: when the
    first airing starts."""
    problem = {
        "timezone": "Asia/Almaty",
        "start_date": "2026-01-01",
        "channels": [
            {"id": c, "name": c, "window": ["00:00", "24:00"], "languages": ["kk"]}
            for c in (CHANNEL, OFF_AIR)
        ],
        "series": [{"id": "kk-05-math", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [{"id": LESSON, "series": "kk-05-math", "episode": 1, "duration_s": LESSON_S}],
    }
    (data / "problem.json").write_text(json.dumps(problem), encoding="utf-8")
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        import_problem(session, data / "problem.json")
    options = TranscodeOptions(ladder=LADDER, preset="veryfast")
    packaged(data, catalog, LESSON, LESSON_S, options)
    # From now on: an airing that began before its package was published plays the slate.
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    # The off-air channel's one airing, hours ahead, gives its master the lesson's
    # figures, as any channel with lessons in its schedule has, through the night too.
    later = now + timedelta(hours=3)
    slots = [(CHANNEL, now + timedelta(seconds=(LESSON_S + GAP_S) * n)) for n in range(60)]
    airings = [
        {
            "lesson": LESSON,
            "channel": channel,
            "start": start.isoformat(),
            "end": (start + timedelta(seconds=LESSON_S)).isoformat(),
        }
        for channel, start in [*slots, (OFF_AIR, later)]
    ]
    with catalog.session() as session:
        publish(session, save_schedule(session, {"airings": airings}, "Asia/Almaty"), now)
        plan = plan_slates({c: c for c in (CHANNEL, OFF_AIR)}, [], {}, "Asia/Almaty", now, 0)
    render_slates(data, plan, slate_options(LADDER))
    catalog.dispose()
    return now


def tune_in(first: datetime) -> None:
    """Wait until TUNE_IN_S after the next airing's start."""
    cycle = LESSON_S + GAP_S
    since = (datetime.now(UTC) - first).total_seconds() % cycle
    time.sleep((TUNE_IN_S - since) % cycle)


def watch(
    browser: Any, url: str, config: dict[str, Any] | None, plain: bool, seconds: float
) -> dict[str, Any]:
    """Play `url` on the weak link with hls.js `config` (None: the page's) and, when
    `plain`, without the page's start logic: first-picture seconds, the `waiting`
    events in the `seconds` after it, and the log of what hls.js did."""
    # A phone: 390 CSS pixels at 3 device pixels each, so capLevelToPlayerSize alone
    # allows every rung up to 1170 pixels wide and the bandwidth estimate has to hold.
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3)
    settings = f"window.sabaqPlain = {json.dumps(plain)};\n"
    if config is not None:
        settings += f"window.sabaqConfig = {json.dumps(config)};\n"
    context.add_init_script(settings + HOOK)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": KBPS * 1000 / 8,
            "uploadThroughput": KBPS * 1000 / 8,
        },
    )
    page.goto(url, timeout=120_000)
    page.wait_for_function("window.sabaqHls && window.sabaqHls.levels.length > 0", timeout=90_000)
    first = page.evaluate(PLAY)
    lags = []
    for _ in range(int(seconds * 2)):
        page.wait_for_timeout(500)
        lags.append(page.evaluate(SAMPLE)["lag_ms"])
    played = page.evaluate("document.getElementById('player').currentTime")
    waiting = page.evaluate("window.sabaqWaiting")
    log = page.evaluate("window.sabaqLog")
    context.close()
    heights = [e["height"] for e in log if e["e"] == "LEVEL_SWITCHING"]
    return {
        "first_picture_s": round(first, 2),
        "waiting": len(waiting),
        "waiting_ahead_s": [w["ahead"] for w in waiting],
        "played_s": round(played, 1),
        "switches_to": heights,
        "lag_ms_max": max(lags, default=0),
        "lag_ms_median": statistics.median(lags) if lags else 0,
        "log": log,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watch", type=float, default=60.0, help="seconds after first picture")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each case, alternated")
    parser.add_argument("--extra", help="a third hls.js config to try (JSON), beside the two")
    parser.add_argument("--log", type=Path, help="write every run's hls.js events here (JSONL)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="sabaq-weak-"))
    server = None
    try:
        first = build_site(work)
        port = free_port()
        server = start_sabaq(work, port)
        base = f"http://127.0.0.1:{port}"
        cases = {
            "vod": f"{base}/lessons/{LESSON}",
            "off_air": f"{base}/channels/{OFF_AIR}",
            "live": f"{base}/channels/{CHANNEL}",
        }
        configs: dict[str, tuple[dict[str, Any] | None, bool]] = {
            "pages": (None, False),
            "before": (BEFORE, True),
            "defaults": ({}, True),
        }
        if args.extra:
            configs["extra"] = (json.loads(args.extra), False)
        runs: dict[str, list[dict[str, Any]]] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
            )
            for round_ in range(args.rounds):
                for config_name, (config, plain) in configs.items():
                    for case, url in cases.items():
                        if case == "live":
                            tune_in(first)
                        seen = watch(browser, url, config, plain, args.watch)
                        log = seen.pop("log")
                        if args.log:
                            with args.log.open("a", encoding="utf-8") as out:
                                row = {"case": case, "config": config_name, "round": round_}
                                out.write(json.dumps({**row, **seen, "log": log}) + "\n")
                        runs.setdefault(f"{case}/{config_name}", []).append(seen)
            browser.close()
    finally:
        tear_down(server, None, work)
    print(json.dumps(summary(runs, args.watch), indent=1))


def summary(runs: dict[str, list[dict[str, Any]]], watch_s: float) -> dict[str, Any]:
    """Per case and setting: the median first picture, every run's `waiting` count."""
    out: dict[str, Any] = {"kbps": KBPS, "latency_ms": LATENCY_MS, "watch_s": watch_s}
    for key, seen in runs.items():
        out[key] = {
            "first_picture_s_median": statistics.median(s["first_picture_s"] for s in seen),
            "runs": seen,
        }
    for case in ("vod", "off_air", "live"):
        ours = out.get(f"{case}/pages")
        for baseline in ("before", "defaults"):
            base = out.get(f"{case}/{baseline}")
            if ours and base:
                out[f"{case}_first_picture_ratio_to_{baseline}"] = round(
                    ours["first_picture_s_median"] / base["first_picture_s_median"], 2
                )
    return out


if __name__ == "__main__":
    main()
