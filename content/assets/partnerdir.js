/* Directory behaviour: availability computed on the day the page is viewed and merged with the
   members' current availability from the form service, filters, and the request form posted as
   JSON with the answer shown in place. Without JavaScript every page still shows every partner
   with the availability of the build, and the form posts as a plain HTML form. */
(function () {
  "use strict";

  var node = document.getElementById("pd-i18n");
  var text = node ? JSON.parse(node.textContent) : {};
  var lang = document.documentElement.lang || "de";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDay(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function addDays(iso, days) {
    var p = iso.split("-");
    return isoDay(new Date(+p[0], +p[1] - 1, +p[2] + days));
  }
  var today = isoDay(new Date());

  function longDate(iso) {
    var p = iso.split("-");
    return new Date(+p[0], +p[1] - 1, +p[2]).toLocaleDateString(lang, {
      day: "numeric", month: "long", year: "numeric"
    });
  }

  function say(key, values) {
    var s = text[key] || "";
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(values[k]); });
    return s;
  }

  /* [state, until]: away on `day` wins over the capacity the member declared. */
  function status(capacity, absences, day) {
    for (var i = 0; i < absences.length; i++) {
      if (absences[i][0] <= day && day <= absences[i][1]) { return ["away", absences[i][1]]; }
    }
    return [capacity, null];
  }

  function parseAway(value) {
    return (value || "").split(" ").filter(Boolean).map(function (pair) { return pair.split("/"); });
  }

  /* What the service says about each member today ({slug: {state, until, deputy, planned,
     paused}}), once its availability document arrived; until then, and when it does not, the
     build's. */
  var current = {};

  function slugOf(badge) {
    var holder = badge.closest("[data-slug], .pd-card");
    return holder ? holder.getAttribute("data-slug") || holder.id.slice(2) : "";
  }

  /* Whether a member takes requests from `start` to `end` (ISO days): the router's rules
     "accepts referrals", "is not full" and "is neither absent nor fully booked then"
     (form_service/eligibility.py) over the profile and what the member said since. */
  function freeIn(e, start, end) {
    var now = current[e.slug];
    var capacity = e.capacity;
    var blocked = e.absences.slice();
    if (now) {
      if (!now.until) {
        if (now.state !== "away") { capacity = now.state; }  // the profile as the service has it
      } else if (now.state === "full" || now.state === "away") {
        blocked.push([today, now.until]);
      }
      if (now.planned) { blocked.push([now.planned.from, now.planned.until]); }
    }
    if (capacity !== "available" && capacity !== "limited") { return false; }
    return !blocked.some(function (p) { return p[0] <= end && start <= p[1]; });
  }

  /* Whether the router keeps `service` away from a member who lately declined it as not their
     expertise: the rule "has not lately called the service outside their expertise", whose
     pauses the document gives with their last day (the service's day, UTC). */
  function paused(e, service) {
    var now = current[e.slug];
    var pauses = (now && now.paused) || {};
    return Object.prototype.hasOwnProperty.call(pauses, service) &&
      pauses[service] >= new Date().toISOString().slice(0, 10);
  }

  /* The places that would serve a client, as generator/places.py builds them. */
  function placesWanted(country, postal, remote) {
    var digits = (postal || "").replace(/[^0-9]/g, "");
    var wanted = remote ? ["*"] : [];
    for (var n = 1; n <= digits.length; n++) { wanted.push(country + ":" + digits.slice(0, n)); }
    return wanted;
  }

  function shares(offered, wanted) {
    return wanted.some(function (key) { return offered.indexOf(key) >= 0; });
  }

  function showDeputy(badge, now) {
    var line = badge.parentNode;
    var slot = line.querySelector(".pd-deputy");
    var deputy = now && now.state === "away" && now.deputy;
    // An absence from the profile names its deputy in the list of absences already.
    var listed = deputy && document.querySelector(
      '.pd-absences li:not([hidden]) a[href$="/' + CSS.escape(deputy) + '/"]');
    if (!deputy || listed) {
      if (slot) { slot.hidden = true; }
      return;
    }
    if (!slot) {
      slot = document.createElement("span");
      slot.className = "pd-deputy";
      line.appendChild(slot);
    }
    var link = document.createElement("a");
    link.href = "../" + encodeURIComponent(deputy) + "/";
    link.textContent = deputy;
    slot.textContent = " – " + say("deputy");
    slot.appendChild(link);
    slot.hidden = false;
  }

  function refreshBadges() {
    document.querySelectorAll(".pd-badge[data-capacity]").forEach(function (badge) {
      var now = current[slugOf(badge)];
      var s = now ? [now.state, now.until]
        : status(badge.getAttribute("data-capacity"), parseAway(badge.getAttribute("data-away")), today);
      var label = s[0] === "away" ? say("away", { date: longDate(s[1]) })
        : s[0] === "full" && s[1] ? say("full_until", { date: longDate(s[1]) }) : say(s[0]);
      badge.className = "pd-badge pd-badge--" + s[0];
      if (label && badge.textContent !== label) { badge.textContent = label; }
      if (badge.closest(".pd-partner__status")) { showDeputy(badge, now); }
    });
    document.querySelectorAll(".pd-absences li[data-to]").forEach(function (item) {
      if (item.getAttribute("data-to") < today) { item.hidden = true; }
    });
    var section = document.querySelector(".pd-absences");
    if (section && !section.querySelector("li:not([hidden])")) { section.hidden = true; }
    var alternative = document.getElementById("pd-alternative");
    var badge = document.querySelector(".pd-partner__status .pd-badge");
    if (alternative && badge) {
      var url = new URL(alternative.href);
      var away = badge.classList.contains("pd-badge--away");
      url.searchParams.set("reason", away ? "absence" : "capacity");
      alternative.href = url.toString();
      // Only a member who cannot take work now is worth an alternative.
      alternative.closest(".pd-alternative").hidden = !(away || badge.classList.contains("pd-badge--full"));
    }
  }

  function setupDirectory(root) {
    var form = document.getElementById("pd-filters");
    var count = document.getElementById("pd-count");
    var none = document.getElementById("pd-none");
    var fields = {
      text: document.getElementById("pd-f-text"),
      service: document.getElementById("pd-f-service"),
      postal: document.getElementById("pd-f-postal"),
      country: document.getElementById("pd-f-country"),
      language: document.getElementById("pd-f-language"),
      remote: document.getElementById("pd-f-remote"),
      available: document.getElementById("pd-f-available"),
      from: document.getElementById("pd-f-from"),
      until: document.getElementById("pd-f-until")
    };
    var home = root.getAttribute("data-country");
    var frameDays = +root.getAttribute("data-frame-days");
    fetch(root.getAttribute("data-base") + "partners.json", { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("partners.json: " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var labels = {};
        Array.prototype.forEach.call(fields.service.options, function (o) { labels[o.value] = o.textContent; });
        var entries = data.partners.map(function (p) {
          return {
            slug: p.slug,
            card: document.getElementById("p-" + p.slug),
            services: p.services,
            languages: p.languages,
            places: p.places,
            capacity: p.accepts ? p.capacity : "closed",
            text: [p.name, p.tagline || "", p.location.city, p.location.postal_code]
              .concat(p.services.map(function (s) { return labels[s] || s; })).join(" ").toLowerCase(),
            absences: p.absences.map(function (a) { return [a.from, a.to]; })
          };
        }).filter(function (e) { return e.card; });

        /* The router's rule for a request with the filters' service, place, language and time
           frame: the keys it shares with each member (partners.json publishes the keys members
           offer), then whether the member is free then and the service is not paused for them.
           Empty filters match every member. */
        function matches(e, f) {
          for (var w = 0; w < f.words.length; w++) {
            if (e.text.indexOf(f.words[w]) < 0) { return false; }
          }
          var wanted = {
            services: f.service ? [f.service] : null,
            languages: f.language ? [f.language] : null,
            places: f.postal || f.remote ? placesWanted(f.country || home, f.postal, f.remote) : null
          };
          for (var key in wanted) {
            if (wanted[key] && !shares(e[key], wanted[key])) { return false; }
          }
          if (f.available) {
            // Without a time frame a request is about the next days, as the router takes it.
            var start = f.from || today;
            var end = f.until || addDays(start > today ? start : today, frameDays);
            if (!freeIn(e, start, end)) { return false; }
            if (f.service && paused(e, f.service)) { return false; }
          }
          return true;
        }

        /* The directory's filter for tests and tools: the slugs of the members `f` shows. */
        window.partnerdir = {
          filter: function (f) {
            var full = { words: [], service: "", postal: "", country: "", language: "",
                         remote: false, available: false, from: "", until: "" };
            Object.keys(f).forEach(function (k) { full[k] = f[k]; });
            return entries.filter(function (e) { return matches(e, full); })
              .map(function (e) { return e.slug; });
          }
        };

        var list = document.getElementById("pd-cards");
        var results = document.createElement("div");
        results.className = "pd-cards";
        results.id = "pd-results";
        results.hidden = true;
        list.parentNode.insertBefore(results, list.nextSibling);
        var more = document.createElement("button");
        more.type = "button";
        more.className = "md-button pd-more";
        more.hidden = true;
        results.parentNode.insertBefore(more, results.nextSibling);
        var matched = [];
        var shown = 0;
        var PAGE = 60;

        function showMore() {
          var batch = document.createDocumentFragment();
          matched.slice(shown, shown + PAGE).forEach(function (e) {
            var copy = e.card.cloneNode(true);
            copy.removeAttribute("id");
            copy.setAttribute("data-slug", e.slug);
            batch.appendChild(copy);
          });
          results.appendChild(batch);
          shown = Math.min(shown + PAGE, matched.length);
          more.hidden = shown >= matched.length;
          more.textContent = say("more", { count: Math.min(PAGE, matched.length - shown) });
        }
        more.addEventListener("click", showMore);

        function apply() {
          var f = {
            words: fields.text.value.toLowerCase().split(/\s+/).filter(Boolean),
            service: fields.service.value,
            postal: fields.postal.value.replace(/\D+/g, ""),
            country: fields.country ? fields.country.value : "",
            language: fields.language.value,
            remote: fields.remote.checked,
            available: fields.available.checked,
            from: fields.from.value,
            until: fields.until.value
          };
          var active = f.words.length || f.service || f.postal || f.language || f.remote || f.available;
          if (!active && results.hidden) { return; }  // still the full list from the server
          matched = entries.filter(function (e) { return matches(e, f); });
          // Thousands of cards: rather than hiding each one that does not match, hide the
          // whole server-rendered list and show copies of the matches, a page at a time.
          list.hidden = true;
          results.hidden = false;
          results.textContent = "";
          shown = 0;
          showMore();
          count.textContent = say("count", { shown: matched.length, total: entries.length });
          none.hidden = matched.length > 0;
          var params = new URLSearchParams();
          if (fields.text.value.trim()) { params.set("q", fields.text.value.trim()); }
          if (f.service) { params.set("service", f.service); }
          if (f.postal) { params.set("postal_code", f.postal); }
          if (f.postal && f.country) { params.set("country", f.country); }
          if (f.language) { params.set("language", f.language); }
          if (f.remote) { params.set("remote", "1"); }
          if (f.available) { params.set("available", "1"); }
          if (f.from) { params.set("needed_from", f.from); }
          if (f.until) { params.set("needed_until", f.until); }
          var query = params.toString();
          history.replaceState(null, "", query ? "?" + query : location.pathname);
          // The request form starts from what the client chose here, "available" aside.
          params.delete("q");
          params.delete("available");
          var ask = params.toString();
          root.querySelectorAll("a.pd-ask").forEach(function (link) {
            link.href = link.getAttribute("href").split("?")[0] + (ask ? "?" + ask : "");
          });
        }

        var initial = new URLSearchParams(location.search);
        fields.text.value = initial.get("q") || "";
        fields.service.value = initial.get("service") || "";
        fields.postal.value = initial.get("postal_code") || "";
        if (fields.country && initial.get("country")) { fields.country.value = initial.get("country"); }
        fields.language.value = initial.get("language") || "";
        fields.remote.checked = initial.get("remote") === "1";
        fields.available.checked = initial.get("available") === "1";
        fields.from.value = initial.get("needed_from") || "";
        fields.until.value = initial.get("needed_until") || "";
        form.hidden = false;
        form.addEventListener("input", apply);
        form.addEventListener("change", apply);
        form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
        form.addEventListener("reset", function () { setTimeout(apply, 0); });
        merged.push(function () { if (!results.hidden) { apply(); } });
        apply();
      })
      .catch(function (error) { console.warn("filters unavailable:", error.message); });
  }

  function setupRequest(form) {
    var params = new URLSearchParams(location.search);
    ["service", "country", "postal_code", "language", "referred_by", "reason", "remote",
     "needed_from", "needed_until"].forEach(function (name) {
      var value = params.get(name);
      var field = form.elements[name];
      if (!value || !field) { return; }
      if (field.tagName === "SELECT" && !field.querySelector('option[value="' + CSS.escape(value) + '"]')) { return; }
      if (field.type === "checkbox") { field.checked = value === "1"; return; }
      field.value = value;
    });
    if (form.elements.referred_by.value) { document.getElementById("pd-referred").hidden = false; }
    var country = form.elements.country;
    var hint = document.getElementById("pd-hint-postal_code");
    function showFormat() {
      var example = country.options[country.selectedIndex].getAttribute("data-example");
      hint.textContent = hint.getAttribute("data-format").split("{example}").join(example);
      form.elements.postal_code.inputMode = /^[0-9]+$/.test(example) ? "numeric" : "text";
      form.elements.postal_code.pattern = country.options[country.selectedIndex].getAttribute("data-pattern");
    }
    if (country && hint) { country.addEventListener("change", showFormat); showFormat(); }
    var key = form.elements.idempotency_key;
    if (!key.value && window.crypto && crypto.randomUUID) { key.value = crypto.randomUUID(); }
    var summary = document.getElementById("pd-summary");
    var received = document.getElementById("pd-received");
    var button = form.querySelector("button[type=submit]");
    var buttonText = button.textContent;
    // With this script the form checks itself, with the page's words rather than the browser's.
    form.noValidate = true;
    var proof = watchProof(form.querySelector("altcha-widget"));

    function showErrors(errors) {
      form.querySelectorAll(".pd-error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
      form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
      var first = null;
      var general = [];
      Object.keys(errors).forEach(function (name) {
        var slot = document.getElementById("pd-err-" + name);
        if (!slot) { general = general.concat(errors[name]); return; }
        slot.textContent = errors[name].join(" ");
        slot.hidden = false;
        var field = form.elements[name];
        if (field && field.setAttribute) {
          field.setAttribute("aria-invalid", "true");
          first = first || field;
        }
      });
      summary.textContent = general.length ? general.join(" ") : say("errors");
      summary.hidden = false;
      (first || summary).focus();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var mistakes = checkRequest(form);
      if (Object.keys(mistakes).length) { showErrors(mistakes); return; }
      var data = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name) { return; }
        if (field.type === "checkbox") { data[field.name] = field.checked; }
        else if (field.value !== "") { data[field.name] = field.value; }
      });
      button.disabled = true;
      button.textContent = say("sending") || buttonText;
      proof.ready().then(function (payload) {
        if (payload) { data.altcha = payload; }
        return fetch(form.action, {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify(data)
        });
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.status === 201) {
            form.hidden = true;
            document.getElementById("pd-referred").hidden = true;
            received.textContent = say("received");
            received.hidden = false;
            received.focus();
          } else if (response.status === 422 && body.errors) {
            showErrors(body.errors);
          } else {
            showErrors(body.errors || { _body: [say("failed")] });
          }
        });
      }).catch(function () {
        showErrors({ _body: [say("failed")] });
      }).then(function () {
        button.disabled = false;
        button.textContent = buttonText;
      });
    });
  }

  /* The service's rules for a request, checked before sending (the service checks them again):
     required fields, the postal code of the country chosen (or remote work), an address, dates
     from today on and in order. Returns the messages by field, in the page's language. */
  function checkRequest(form) {
    var errors = {};
    var words = form.dataset;
    function add(name, message) { (errors[name] = errors[name] || []).push(message); }
    ["service", "message", "name", "email"].forEach(function (name) {
      if (!form.elements[name].value.trim()) { add(name, words.required); }
    });
    if (!form.elements.consent.checked) { add("consent", words.required); }
    var postal = form.elements.postal_code;
    var code = postal.value.trim().toUpperCase();
    if (code && !new RegExp("^(?:" + postal.pattern + ")$").test(code)) {
      var country = form.elements.country;
      var example = country ? country.options[country.selectedIndex].getAttribute("data-example") : "";
      add("postal_code", words.postal.split("{example}").join(example || postal.dataset.example));
    } else if (!code && !form.elements.remote.checked) {
      add("postal_code", words.postalOrRemote);
    }
    var email = form.elements.email;
    if (email.value.trim() && email.validity.typeMismatch) { add("email", words.email); }
    var today = new Date().toISOString().slice(0, 10);
    var start = form.elements.needed_from.value, end = form.elements.needed_until.value;
    if (end && end < today) { add("needed_until", words.datePast); }
    else if (start && end && end < start) { add("needed_until", words.dateOrder); }
    return errors;
  }

  /* The spam check's widget solves its challenge while the client fills in the form; sending
     waits for it a few seconds at most, and goes without it (then reviewed by hand) if it fails. */
  function watchProof(widget) {
    var payload = "", settled = !widget, waiting = [];
    function settle(value) {
      payload = value || payload;
      settled = true;
      waiting.splice(0).forEach(function (resolve) { resolve(payload); });
    }
    if (widget) {
      widget.addEventListener("verified", function (event) { settle(event.detail.payload); });
      widget.addEventListener("statechange", function (event) {
        if (event.detail.state === "error") { settle(""); }
        else if (event.detail.state === "verifying") { settled = false; }
      });
    }
    return {
      ready: function () {
        // No widget running (its script did not load): nothing to wait for.
        var running = window.customElements && customElements.get("altcha-widget");
        if (settled || !running) { return Promise.resolve(payload); }
        return new Promise(function (resolve) {
          waiting.push(resolve);
          setTimeout(function () { resolve(payload); }, 15000);
        });
      }
    };
  }

  /* Listeners called once the service's availability has been merged in. */
  var merged = [refreshBadges];

  /* Read the members' current availability from our own form service, once per page view and
     after the page is shown. A slow or unreachable service leaves the build's availability in
     place, without a message: it is what the page showed already. */
  function readAvailability(url) {
    if (!url || !window.fetch || !window.AbortController) { return; }
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 2500);
    fetch(url, { credentials: "omit", signal: controller.signal })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        // The document speaks of the service's day (UTC, as routing counts days). From another
        // day (a clock that is off, a page left open) the profile computed for the day viewed
        // is closer.
        var day = new Date().toISOString().slice(0, 10);
        if (!data || !data.members || String(data.generated).slice(0, 10) !== day) { return; }
        current = data.members;
        merged.forEach(function (listener) { listener(); });
        node.setAttribute("data-merged", data.generated || "");
      })
      .catch(function () { return null; })  // the build's availability stays; see above
      .then(function () { clearTimeout(timer); });
  }

  refreshBadges();
  if (node) { readAvailability(node.getAttribute("data-availability")); }
  var directory = document.getElementById("pd-directory");
  if (directory) { setupDirectory(directory); }
  var request = document.getElementById("pd-request");
  if (request) { setupRequest(request); }
})();
