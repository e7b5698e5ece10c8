/* The network's embed on a member's own website: each link with data-partnerdir="SLUG" becomes
   the member's frame from the network's site, sized to its content. Without JavaScript the link
   stays and leads to the member's page. Loads nothing but the frame, from this script's site. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.URL || !window.postMessage) { return; }
  var base = new URL("../einbetten/", script.src);
  var frames = [];

  function place(link) {
    var slug = link.getAttribute("data-partnerdir") || "";
    if (!/^[a-z0-9][a-z0-9-]*$/.test(slug) || link.getAttribute("data-partnerdir-done")) { return; }
    var frame = document.createElement("iframe");
    frame.src = new URL("rahmen.html#" + slug, base).href;
    frame.title = link.textContent;
    frame.loading = "lazy";
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.style.cssText = "display:block;width:100%;max-width:32rem;height:12rem;border:0";
    link.setAttribute("data-partnerdir-done", "1");
    link.parentNode.replaceChild(frame, link);
    frames.push(frame);
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== base.origin || !data || data.partnerdir !== "height") { return; }
    frames.forEach(function (frame) {
      var height = Math.min(Math.max(+data.height || 0, 40), 2000);
      if (frame.contentWindow === event.source) { frame.style.height = height + "px"; }
    });
  });

  function run() {
    Array.prototype.forEach.call(document.querySelectorAll("a[data-partnerdir]"), place);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
