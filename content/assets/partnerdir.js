/* Directory behaviour: availability computed on the day the page is viewed, filters, and the
   request form posted as JSON with the answer shown in place. Without JavaScript every page
   still shows every partner and the form posts as a plain HTML form. */
(function () {
  "use strict";

  var node = document.getElementById("pd-i18n");
  var text = node ? JSON.parse(node.textContent) : {};
  var lang = document.documentElement.lang || "de";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDay(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
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

  function refreshBadges() {
    document.querySelectorAll(".pd-badge[data-capacity]").forEach(function (badge) {
      var s = status(badge.getAttribute("data-capacity"), parseAway(badge.getAttribute("data-away")), today);
      var label = s[0] === "away" ? say("away", { date: longDate(s[1]) }) : say(s[0]);
      badge.className = "pd-badge pd-badge--" + s[0];
      if (label && badge.textContent !== label) { badge.textContent = label; }
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
      url.searchParams.set("reason", badge.classList.contains("pd-badge--away") ? "absence" : "capacity");
      alternative.href = url.toString();
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
      available: document.getElementById("pd-f-available")
    };
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
            country: p.location.country,
            prefixes: p.postal_prefixes,
            remote: p.remote,
            capacity: p.accepts ? p.capacity : "closed",
            text: [p.name, p.tagline || "", p.location.city, p.location.postal_code]
              .concat(p.services.map(function (s) { return labels[s] || s; })).join(" ").toLowerCase(),
            absences: p.absences.map(function (a) { return [a.from, a.to]; })
          };
        }).filter(function (e) { return e.card; });

        function matches(e, f) {
          for (var w = 0; w < f.words.length; w++) {
            if (e.text.indexOf(f.words[w]) < 0) { return false; }
          }
          if (f.service && e.services.indexOf(f.service) < 0) { return false; }
          if (f.language && e.languages.indexOf(f.language) < 0) { return false; }
          // Prefixes are digits within the member's country, as the form service compares them.
          if (f.postal && !e.remote && ((f.country && e.country !== f.country) || !e.prefixes.some(function (pre) {
            return f.postal.indexOf(pre) === 0 || pre.indexOf(f.postal) === 0;
          }))) { return false; }
          if (f.available) {
            var s = status(e.capacity, e.absences, today)[0];
            if (s !== "available" && s !== "limited") { return false; }
          }
          return true;
        }

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
            available: fields.available.checked
          };
          var active = f.words.length || f.service || f.postal || f.language || f.available;
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
          if (f.available) { params.set("available", "1"); }
          var query = params.toString();
          history.replaceState(null, "", query ? "?" + query : location.pathname);
        }

        var initial = new URLSearchParams(location.search);
        fields.text.value = initial.get("q") || "";
        fields.service.value = initial.get("service") || "";
        fields.postal.value = initial.get("postal_code") || "";
        if (fields.country && initial.get("country")) { fields.country.value = initial.get("country"); }
        fields.language.value = initial.get("language") || "";
        fields.available.checked = initial.get("available") === "1";
        form.hidden = false;
        form.addEventListener("input", apply);
        form.addEventListener("change", apply);
        form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
        form.addEventListener("reset", function () { setTimeout(apply, 0); });
        apply();
      })
      .catch(function (error) { console.warn("filters unavailable:", error.message); });
  }

  function setupRequest(form) {
    var params = new URLSearchParams(location.search);
    ["service", "country", "postal_code", "language", "referred_by", "reason"].forEach(function (name) {
      var value = params.get(name);
      var field = form.elements[name];
      if (!value || !field) { return; }
      if (field.tagName === "SELECT" && !field.querySelector('option[value="' + CSS.escape(value) + '"]')) { return; }
      field.value = value;
    });
    if (form.elements.referred_by.value) { document.getElementById("pd-referred").hidden = false; }
    var country = form.elements.country;
    var hint = document.getElementById("pd-hint-postal_code");
    function showFormat() {
      var example = country.options[country.selectedIndex].getAttribute("data-example");
      hint.textContent = hint.getAttribute("data-format").split("{example}").join(example);
      form.elements.postal_code.inputMode = /^[0-9]+$/.test(example) ? "numeric" : "text";
    }
    if (country && hint) { country.addEventListener("change", showFormat); showFormat(); }
    var key = form.elements.idempotency_key;
    if (!key.value && window.crypto && crypto.randomUUID) { key.value = crypto.randomUUID(); }
    var summary = document.getElementById("pd-summary");
    var received = document.getElementById("pd-received");
    var button = form.querySelector("button[type=submit]");
    var buttonText = button.textContent;

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
      var data = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name) { return; }
        if (field.type === "checkbox") { data[field.name] = field.checked; }
        else if (field.value !== "") { data[field.name] = field.value; }
      });
      button.disabled = true;
      button.textContent = say("sending") || buttonText;
      fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(data)
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

  refreshBadges();
  var directory = document.getElementById("pd-directory");
  if (directory) { setupDirectory(directory); }
  var request = document.getElementById("pd-request");
  if (request) { setupRequest(request); }
})();
