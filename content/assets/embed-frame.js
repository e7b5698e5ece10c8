/* Inside the embed's frame (einbetten/rahmen.html#SLUG): the member's data as built, today's
   state from the service's availability document (the build's when the service does not answer),
   the deputy and free colleagues when the member is full or away, and the frame's height for the
   page around it. Texts are set with textContent only: nothing from a profile becomes markup. */
(function () {
  "use strict";
  var text = JSON.parse(document.getElementById("e-i18n").textContent);
  var slug = decodeURIComponent(location.hash.slice(1));
  var lang = document.documentElement.lang || "de";
  var shown = 3;
  var member = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  var now = new Date();
  var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());

  function longDate(iso) {
    var p = iso.split("-");
    return new Date(+p[0], +p[1] - 1, +p[2]).toLocaleDateString(lang, {
      day: "numeric", month: "long", year: "numeric"
    });
  }
  function say(key, date) { return (text[key] || "").split("{date}").join(date || ""); }
  function el(id) { return document.getElementById(id); }

  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ partnerdir: "height", height: height }, "*");
  }

  /* The build's view of today, as the directory computes it: away on a day of an absence. */
  function fromProfile() {
    for (var i = 0; i < member.absences.length; i++) {
      var a = member.absences[i];
      if (a[0] <= today && today <= a[1]) { return { state: "away", until: a[1], deputy: a[2] }; }
    }
    return { state: member.capacity, until: null, deputy: null };
  }

  function show(current, others) {
    var state = current.state;
    var badge = el("e-state");
    badge.hidden = false;
    badge.className = "s s--" + state;
    badge.textContent = state === "away" ? say("away", longDate(current.until))
      : state === "full" && current.until ? say("full_until", longDate(current.until)) : say(state);
    var busy = state === "full" || state === "away" || state === "closed";
    el("e-alt").hidden = !busy;
    var deputy = current.deputy && member.names[current.deputy];
    el("e-deputy").hidden = !(busy && deputy);
    if (deputy) {
      el("e-deputy-link").textContent = deputy;
      el("e-deputy-link").href = "../partner/" + current.deputy + "/";
    }
    var list = el("e-colleagues");
    list.textContent = "";
    member.colleagues.forEach(function (c) {
      var other = others[c[0]];
      var free = !other || other.state === "available" || other.state === "limited";
      if (!free || list.children.length >= shown || c[0] === current.deputy) { return; }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "../partner/" + c[0] + "/";
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = member.names[c[0]];
      item.appendChild(link);
      item.appendChild(document.createTextNode(" – " + c[1]));
      item.setAttribute("data-slug", c[0]);
      list.appendChild(item);
    });
    el("e-others").hidden = list.children.length === 0;
    el("e-request").href = "../anfrage/?service=" + encodeURIComponent(member.service) +
      "&referred_by=" + encodeURIComponent(slug) + "&reason=" + (state === "away" ? "absence" : "capacity");
    report();
  }

  function live() {
    var url = el("e").getAttribute("data-availability");
    if (!url || !window.fetch) { return; }
    /* Only the members this frame names: the document of a large network is large. */
    var asked = [slug].concat(member.colleagues.map(function (c) { return c[0]; }),
      member.absences.map(function (a) { return a[2]; }).filter(Boolean));
    url += (url.indexOf("?") < 0 ? "?" : "&") + "members=" + asked.slice(0, 20).join(",");
    var controller = window.AbortController ? new AbortController() : null;
    if (controller) { setTimeout(function () { controller.abort(); }, 5000); }
    fetch(url, { credentials: "omit", signal: controller ? controller.signal : undefined })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) {
        if (doc && doc.members && doc.members[slug]) { show(doc.members[slug], doc.members); }
      })
      .catch(function () { /* the service is away: the build's state stays */ });
  }

  /* The data file holding `slug`: FNV-1a of its letters, as generator/embed.py computes it. */
  function bucket(name, count) {
    var h = 0x811c9dc5;
    for (var i = 0; i < name.length; i++) { h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0; }
    return h % count;
  }

  if (/^[a-z0-9][a-z0-9-]*$/.test(slug)) {
    var count = +el("e").getAttribute("data-buckets") || 1;
    fetch("daten-" + bucket(slug, count) + ".json", { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (file) {
        var data = file && file[slug];
        if (!data) { return; }
        member = data;
        document.title = data.name + " – " + document.title;
        el("e-name").textContent = data.name;
        el("e-name").href = "../partner/" + slug + "/";
        show(fromProfile(), {});
        live();
      })
      .catch(report);
  }
  if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
  window.addEventListener("load", report);
  report();
})();
