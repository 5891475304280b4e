// Plays the page's HLS source: natively where the browser can, else with hls.js.
// When the stream has captions, a button beside the player turns them on and off
// (the page's language first, else the first language offered).
(function () {
  "use strict";
  function captionsButton(video, hls) {
    var label = video.getAttribute("data-captions");
    if (!label || document.getElementById("captions")) { return; }
    var button = document.createElement("button");
    button.id = "captions";
    button.type = "button";
    button.className = "captions";
    button.textContent = "CC " + label;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-pressed") !== "true";
      var tracks = hls.subtitleTracks, lang = document.documentElement.lang, chosen = 0;
      for (var i = 0; i < tracks.length; i++) { if (tracks[i].lang === lang) { chosen = i; } }
      hls.subtitleDisplay = on;
      hls.subtitleTrack = on ? chosen : -1;
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    video.insertAdjacentElement("afterend", button);
  }
  // Whether playing `fragments` from index `first` keeps the buffer from running dry
  // while the segments after it load one by one at `bps` (each after `ttfb` seconds),
  // with the rung's peak `bitrate`: the first one plays while the second loads, and so on.
  function playsThrough(fragments, first, bitrate, bps, ttfb) {
    var buffered = fragments[first].duration;
    for (var i = first + 1; i < fragments.length; i++) {
      buffered -= ttfb + bitrate * fragments[i].duration / bps;
      if (buffered < 0) { return false; }
      buffered += fragments[i].duration;
    }
    return true;
  }
  // A live start (hls.js's: three target durations behind the edge) can fall on short
  // segments just before a long one: the off-air slate's 1.92 s ones before a lesson,
  // a lesson's last seconds before the next. On a weak link the long one takes longer
  // to load than the short ones buffered (6 s of 180 kb/s at 300 kbit/s: 4 s), and the
  // picture stops a few seconds in. The start moves to the first segment from which,
  // at the bandwidth estimate, the buffer never runs dry, a few seconds nearer the edge.
  // LEVEL_UPDATED comes after hls.js has set its start and before it asks for the first
  // segment; a replay that says where to start (EXT-X-START) keeps its start. The time
  // to the first byte of each segment is taken to be the master playlist's.
  function startWhereItPlaysThrough(hls) {
    var ttfb = 0.1;
    hls.once(window.Hls.Events.MANIFEST_LOADED, function (_, data) {
      var loading = data.stats.loading;
      ttfb = Math.max(ttfb, (loading.first - loading.start) / 1000);
    });
    hls.once(window.Hls.Events.LEVEL_UPDATED, function (_, data) {
      var details = data.details, at = hls.liveSyncPosition, bps = hls.bandwidthEstimate;
      if (!details.live || details.startTimeOffset !== null || at === null || !(bps > 0)) {
        return;
      }
      var fragments = details.fragments, bitrate = hls.levels[data.level].bitrate, first = -1;
      // Not nearer the edge than two target durations: the player needs them to load ahead.
      var latest = details.edge - 2 * details.targetduration;
      for (var i = 0; i < fragments.length && fragments[i].start <= latest; i++) {
        if (first < 0 && at < fragments[i].start + fragments[i].duration) { first = i; }
        if (first >= 0 && playsThrough(fragments, i, bitrate, bps, ttfb)) {
          if (i > first) { hls.targetLatency -= fragments[i].start + 0.1 - at; }
          return;
        }
      }
    });
  }
  function start() {
    var video = document.getElementById("player");
    if (!video) { return; }
    var src = video.getAttribute("data-src");
    if (window.Hls && window.Hls.isSupported()) {
      // A phone on a weak link: start from a conservative estimate (the <=192 kb/s
      // variant), not from the first variant or a guess of 500 kb/s (issue 30).
      // A live start lands where the edge puts it, often late in a segment: playing
      // from there leaves a fraction of a second buffered, less than the next segment
      // takes to load at 300 kbit/s, and the picture stops at once. Starting from the
      // start of the segment already loaded (hls.js >= 1.6.3) plays all of it first.
      var hls = new window.Hls({
        capLevelToPlayerSize: true,
        startLevel: -1,
        abrEwmaDefaultEstimate: 250000,
        startOnSegmentBoundary: true
      });
      startWhereItPlaysThrough(hls);
      hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, function (_, data) {
        if (data.subtitleTracks.length) { captionsButton(video, hls); }
      });
      hls.loadSource(src);
      hls.attachMedia(video);
      window.sabaqHls = hls;
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;  // the browser's own player offers the captions itself
    } else {
      video.insertAdjacentHTML("afterend", "<p>HLS is not supported by this browser.</p>");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
