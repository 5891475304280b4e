// Plays the page's HLS source: natively where the browser can, else with hls.js.
(function () {
  "use strict";
  function start() {
    var video = document.getElementById("player");
    if (!video) { return; }
    var src = video.getAttribute("data-src");
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ capLevelToPlayerSize: true });
      hls.loadSource(src);
      hls.attachMedia(video);
      window.sabaqHls = hls;
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
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
