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
  function start() {
    var video = document.getElementById("player");
    if (!video) { return; }
    var src = video.getAttribute("data-src");
    if (window.Hls && window.Hls.isSupported()) {
      // A phone on a weak link: start from a conservative estimate (the <=192 kb/s
      // variant), not from the first variant or a guess of 500 kb/s (issue 30).
      var hls = new window.Hls({
        capLevelToPlayerSize: true,
        startLevel: -1,
        abrEwmaDefaultEstimate: 250000
      });
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
