(function () {
  "use strict";
  var R = window.alignerReport;
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var story = data.story;
  var params = new URLSearchParams(window.location.search);
  var reviewer = params.get("reviewer") || data.reviewer;
  var savedState = document.getElementById("saved-state");
  var effort = document.getElementById("effort");
  var beads = {};
  data.beads.forEach(function (b, k) {
    beads[k] = { mt: b[0], text: b.length > 3 ? b[3] : b[0], version: b[1], status: b[2], draft: null,
                 saving: false, seconds: 0, since: null, suggested: false };
  });

  function request(url, body) {
    var init = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify(body) };
    return fetch(url, init).then(function (res) {
      return res.json().then(function (obj) { return { status: res.status, body: obj }; });
    });
  }
  function api(path, body) { return request("/api/story/" + encodeURIComponent(story) + path, body); }
  function row(k) { return document.getElementById("bead-" + k); }
  function cell(k) { return row(k).querySelector("td.en"); }
  function unsaved() {
    return Object.keys(beads).filter(function (k) { return beads[k].draft !== null || beads[k].saving; }).length;
  }
  function showSaved() {
    var n = unsaved();
    savedState.textContent = n ? n + " unsaved" : "all saved";
    savedState.classList.toggle("dirty", n > 0);
  }
  function badge(k, text, cls) {
    var b = row(k).querySelector(".st");
    b.textContent = text;
    b.className = "st " + cls;
  }
  function showText(k) {
    var span = cell(k).querySelector(".text");
    span.textContent = beads[k].draft !== null ? beads[k].draft : beads[k].text;
    var bead = beads[k];
    row(k).dataset.status = bead.status;
    row(k).dataset.version = bead.version;
    if (bead.draft !== null) { badge(k, "unsaved", "unsaved"); }
    else { badge(k, bead.status + (bead.version ? " v" + bead.version : ""), bead.status); }
  }
  // the QA flags of the saved text, as the server computed them on save (the same checks as on the MT)
  var LEVELS = ["error", "warning", "info"];
  function showFlags(k, flags) {
    var box = row(k).querySelector("td.qa .c");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var worst = LEVELS.length;
    flags.forEach(function (f) {
      var d = document.createElement("div");
      d.className = "flag " + f.severity;
      d.dataset.code = f.code;
      var b = document.createElement("b");
      b.textContent = f.code;
      d.appendChild(b);
      d.appendChild(document.createTextNode(" " + f.reason));
      box.appendChild(d);
      worst = Math.min(worst, LEVELS.indexOf(f.severity));
    });
    row(k).dataset.flagged = flags.length ? "1" : "0";
    row(k).dataset.level = flags.length ? LEVELS[worst] : "none";
  }
  function panel(k, cls) {
    var old = cell(k).querySelector(".panel." + cls);
    if (old) { old.remove(); }
    var p = document.createElement("div");
    p.className = "panel " + cls;
    cell(k).appendChild(p);
    return p;
  }
  function closePanels(k) {
    Array.prototype.forEach.call(cell(k).querySelectorAll(".panel"), function (p) { p.remove(); });
  }
  function field(p, label, node) {
    var l = document.createElement("label");
    l.textContent = label + " ";
    l.appendChild(node);
    p.appendChild(l);
    return node;
  }
  function input(p, label) {
    var i = document.createElement("input");
    i.type = "text";
    return field(p, label, i);
  }
  function choice(p, label, values) {
    var s = document.createElement("select");
    values.forEach(function (v) { var o = document.createElement("option"); o.value = v; o.textContent = v; s.appendChild(o); });
    return field(p, label, s);
  }
  function button(p, label, onclick) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", onclick);
    p.appendChild(b);
    return b;
  }

  // time on the bead: counted while it is the current bead and the page is visible
  var focused = null;
  function clock(k, on) {
    var b = beads[k];
    if (!b) { return; }
    if (on && b.since === null) { b.since = performance.now(); }
    if (!on && b.since !== null) { b.seconds += (performance.now() - b.since) / 1000; b.since = null; }
  }
  function takeSeconds(k) {
    var b = beads[k];
    var running = b.since !== null;
    clock(k, false);
    var s = Math.max(0, b.seconds);
    b.seconds = 0;
    if (running) { clock(k, true); }
    return Math.min(s, 86399);
  }
  document.addEventListener("aligner:select", function (ev) {
    if (focused !== null) { clock(focused, false); }
    focused = ev.detail.dataset.bead;
    clock(focused, true);
    suggest(focused);
  });
  // the clock runs while the bead is selected and the reviewer is there: not while the window is in the
  // background, nor past a minute without a key, a click or a scroll (a reviewer gone for coffee)
  var IDLE = 60000;
  var lastInput = performance.now();
  var idle = false;
  function active() {
    lastInput = performance.now();
    if (idle && focused !== null && document.hasFocus()) { idle = false; clock(focused, true); }
  }
  ["keydown", "mousedown", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, active, true);
  });
  setInterval(function () {
    if (!idle && focused !== null && performance.now() - lastInput > IDLE) {
      clock(focused, false);
      beads[focused].seconds -= (performance.now() - lastInput - IDLE) / 1000;  // only the first idle minute counts
      idle = true;
    }
  }, 5000);
  document.addEventListener("visibilitychange", function () {
    if (focused !== null) { clock(focused, !document.hidden && !idle); }
  });
  window.addEventListener("blur", function () { if (focused !== null) { clock(focused, false); } });
  window.addEventListener("focus", function () { if (focused !== null && !idle) { clock(focused, true); } });

  var summaryTimer = null;
  function refreshSummary() {
    if (summaryTimer) { clearTimeout(summaryTimer); }
    summaryTimer = setTimeout(function () {
      fetch("/api/story/" + encodeURIComponent(story) + "/summary").then(function (r) { return r.json(); })
        .then(function (s) { effort.textContent = s.line; });
    }, 800);
  }

  function save(k, text, status, reason, base) {
    var b = beads[k];
    b.saving = true;
    badge(k, "saving…", "saving");
    showSaved();
    var body = { base: base === undefined ? b.version : base, text: text, status: status, reason: reason || "",
                 seconds: takeSeconds(k), reviewer: reviewer };
    return api("/bead/" + k + "/save", body).then(function (res) {
      b.saving = false;
      if (res.status !== 200 && res.status !== 409) { b.seconds += body.seconds; }  // not recorded: kept for the next save
      if (res.status === 200) {
        var v = res.body.version;
        b.text = v.text; b.status = v.status; b.version = v.number; b.draft = null;
        closePanels(k);
        showText(k);
        if (res.body.flags) { showFlags(k, res.body.flags); }
        refreshSummary();
      } else if (res.status === 409) {
        b.draft = text;
        conflict(k, res.body.current, text, status, reason);
        badge(k, "conflict", "conflict");
      } else {
        b.draft = text;
        badge(k, "not saved: " + (res.body.error || res.status), "unsaved");
      }
      showSaved();
      return res.status;
    }, function () {
      b.saving = false;
      b.seconds += body.seconds;
      b.draft = text;
      badge(k, "not saved: no connection", "unsaved");
      showSaved();
      return 0;
    });
  }

  function conflict(k, theirs, mine, status, reason) {
    var p = panel(k, "conflict");
    var box = document.createElement("div");
    box.className = "conflict-box";
    var a = document.createElement("div");
    a.className = "theirs";
    a.textContent = "saved meanwhile by " + theirs.reviewer + " (v" + theirs.number + ", " + theirs.status + "): " + theirs.text;
    var b = document.createElement("div");
    b.className = "mine";
    b.textContent = "yours: " + mine;
    box.appendChild(a);
    box.appendChild(b);
    p.appendChild(box);
    var keep = button(p, "Keep mine", function () {
      var draft = beads[k].draft;  // what the reviewer has now, typed after the conflict or not
      save(k, draft !== null ? draft : mine, status, reason, theirs.number);
    });
    button(p, "Take theirs", function () {
      var bead = beads[k];
      bead.text = theirs.text; bead.status = theirs.status; bead.version = theirs.number; bead.draft = null;
      closePanels(k); showText(k); showSaved();
    });
    keep.focus();
  }

  function edit(k) {
    var b = beads[k];
    var c = cell(k);
    if (c.querySelector("textarea.edit")) { c.querySelector("textarea.edit").focus(); return; }
    var area = document.createElement("textarea");
    area.className = "edit";
    area.value = b.draft !== null ? b.draft : b.text;
    area.setAttribute("aria-label", "post-edit of bead " + k);
    c.querySelector(".text").hidden = true;
    c.insertBefore(area, c.querySelector(".text").nextSibling);
    area.style.height = (area.scrollHeight + 4) + "px";
    area.addEventListener("input", function () {
      b.draft = area.value === b.text ? null : area.value;
      if (b.draft !== null) { badge(k, "unsaved", "unsaved"); } else { showText(k); }
      showSaved();
    });
    area.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        closeEditor(k);
        save(k, area.value, "confirmed").then(function (s) { if (s === 200) { R.go(1, false); } });
      } else if ((ev.key === "s" || ev.key === "S") && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        closeEditor(k);
        save(k, area.value, area.value === b.mt ? "new" : "edited");
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        closeEditor(k);
      }
    });
    area.focus();
  }
  function closeEditor(k) {
    var c = cell(k);
    var area = c.querySelector("textarea.edit");
    if (area) { area.remove(); }
    c.querySelector(".text").hidden = false;
    showText(k);
    row(k).focus({ preventScroll: true });
  }

  function ask(k, cls, label, onsubmit) {
    var p = panel(k, cls);
    var i = input(p, label);
    i.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); if (i.value.trim()) { onsubmit(i.value.trim()); } }
      else if (ev.key === "Escape") { ev.preventDefault(); p.remove(); row(k).focus({ preventScroll: true }); }
    });
    i.focus();
    return p;
  }
  function comment(k) {
    ask(k, "comment-form", "comment", function (text) {
      api("/bead/" + k + "/comment", { text: text, reviewer: reviewer }).then(function (res) {
        if (res.status !== 200) { return; }
        closePanels(k);
        var d = document.createElement("div");
        d.className = "comment";
        d.textContent = res.body.reviewer + ": " + res.body.text;
        cell(k).appendChild(d);
        row(k).focus({ preventScroll: true });
      });
    });
  }
  function reject(k) {
    ask(k, "reject-form", "why reject this bead?", function (reason) {
      var b = beads[k];
      save(k, b.draft !== null ? b.draft : b.text, "rejected", reason).then(function () { row(k).focus({ preventScroll: true }); });
    });
  }
  function annotate(k) {
    var b = beads[k];
    var text = b.text;
    var area = cell(k).querySelector("textarea.edit");
    var start = 0, end = text.length;
    if (area && area.selectionEnd > area.selectionStart && area.value === text) { start = area.selectionStart; end = area.selectionEnd; }
    var p = panel(k, "annotate-form");
    var span = document.createElement("div");
    span.className = "note";
    span.textContent = "span: “" + text.slice(start, end) + "”";
    p.appendChild(span);
    var cat = choice(p, "category", ["accuracy", "fluency", "terminology", "style", "locale convention"]);
    var sev = choice(p, "severity", ["minor", "major", "critical"]);
    var note = input(p, "note");
    function submit() {
      api("/bead/" + k + "/annotate", { version: b.version, start: start, end: end, category: cat.value,
                                       severity: sev.value, note: note.value, reviewer: reviewer })
        .then(function (res) {
          if (res.status !== 200) { return; }
          closePanels(k);
          var d = document.createElement("div");
          d.className = "comment annotation";
          d.textContent = res.body.severity + " " + res.body.category + ": “" + text.slice(start, end) + "” " + res.body.note;
          cell(k).appendChild(d);
          row(k).focus({ preventScroll: true });
          refreshSummary();
        });
    }
    [cat, sev, note].forEach(function (el) {
      el.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); submit(); }
        else if (ev.key === "Escape") { ev.preventDefault(); p.remove(); row(k).focus({ preventScroll: true }); }
      });
    });
    button(p, "Save annotation", submit);
    cat.focus();
  }
  function history(k) {
    api("/bead/" + k + "/history").then(function (res) {
      var p = panel(k, "history");
      var list = document.createElement("ol");
      var mt = document.createElement("li");
      mt.textContent = "v0 MT: " + beads[k].mt;
      list.appendChild(mt);
      res.body.forEach(function (v) {
        var li = document.createElement("li");
        li.className = v.earlier ? "earlier" : (v.number === null ? "refused" : "version");
        var label = v.earlier ? "earlier run, another text (v" + (v.number === null ? "–" : v.number) + ") " :
          (v.number === null ? "refused (conflict) " : "v" + v.number + " ");
        li.textContent = label + v.status + " by " + v.reviewer + ": " + v.text + (v.reason ? " — " + v.reason : "");
        if (v.number !== null || true) {
          var b = button(li, "restore", function () { save(k, v.text, v.text === beads[k].mt ? "new" : "edited"); });
          b.className = "restore";
        }
        list.appendChild(li);
      });
      p.appendChild(list);
      var first = p.querySelector("button.restore");
      if (first) { first.focus(); }
    });
  }
  function suggest(k) {
    var b = beads[k];
    if (b.suggested) { return; }
    b.suggested = true;
    api("/bead/" + k + "/suggestions").then(function (res) {
      res.body.forEach(function (s) {
        var d = document.createElement("div");
        d.className = "suggestion";
        d.textContent = "TM " + s.score + "%: " + s.target + " (for: " + s.source + ")";
        cell(k).appendChild(d);
      });
    });
  }

  // the review's glossary: terms of the source underlined (their entry on hover), entries added from the page
  function sourceCell(k) { return row(k).querySelector('td[lang="fr"] .c'); }
  function showTerms(k, parts) {
    var box = sourceCell(k);
    while (box.firstChild) { box.removeChild(box.firstChild); }
    parts.forEach(function (piece) {
      if (piece[1]) {
        var span = document.createElement("span");
        span.className = "term";
        span.title = piece[1];
        span.textContent = piece[0];
        box.appendChild(span);
      } else {
        box.appendChild(document.createTextNode(piece[0]));
      }
    });
    if (!box.firstChild || !box.textContent) { box.textContent = "∅"; }
  }
  var status = document.getElementById("status");
  function addTerm(entry) {
    entry.story = story;
    entry.reviewer = reviewer;
    return request("/api/terms", entry).then(function (res) {
      if (res.status === 200) {
        res.body.beads.forEach(function (b) { showFlags(b.bead, b.flags); showTerms(b.bead, b.terms); });
        var n = res.body.flagged.length;
        status.textContent = "added to the glossary: " + res.body.entry.title + (n ? " (" + n + " beads' flags changed)" : "");
        refreshSummary();
      }
      return res;
    });
  }
  function selectedFrench(k) {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) { return ""; }
    var cellNode = row(k).querySelector('td[lang="fr"]');
    return cellNode.contains(sel.getRangeAt(0).commonAncestorContainer) ? sel.toString().trim() : "";
  }
  function termForm(k) {
    var french = selectedFrench(k);
    var td = row(k).querySelector('td[lang="fr"]');
    var old = td.querySelector(".panel.term-form");
    if (old) { old.remove(); }
    var p = document.createElement("div");
    p.className = "panel term-form";
    td.appendChild(p);
    var fr = input(p, "French");
    fr.value = french;
    fr.className = "term-source";
    var en = input(p, "English");
    en.className = "term-target";
    var bad = input(p, "forbidden (; between)");
    bad.className = "term-forbidden";
    var note = input(p, "note");
    note.className = "term-note";
    var said = document.createElement("div");
    said.className = "note";
    function close() { p.remove(); row(k).focus({ preventScroll: true }); }
    function submit() {
      var forbidden = bad.value.split(";").map(function (t) { return t.trim(); }).filter(function (t) { return t; });
      addTerm({ source: fr.value, target: en.value, forbidden: forbidden, note: note.value }).then(function (res) {
        if (res.status === 200) { close(); } else { said.textContent = "not added: " + (res.body.error || res.status); }
      }, function () { said.textContent = "not added: no connection"; });
    }
    [fr, en, bad, note].forEach(function (el) {
      el.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); submit(); }
        else if (ev.key === "Escape") { ev.preventDefault(); close(); }
      });
    });
    button(p, "Add to the glossary", submit).className = "term-add";
    p.appendChild(said);
    (french ? en : fr).focus();
  }
  var suggestions = document.getElementById("term-suggestions");
  document.getElementById("terms").addEventListener("toggle", function (ev) {
    if (!ev.target.open) { return; }
    while (suggestions.firstChild) { suggestions.removeChild(suggestions.firstChild); }
    request("/api/terms/suggestions").then(function (res) {
      if (res.status !== 200) { return; }
      if (!res.body.length) {
        var none = document.createElement("li");
        none.textContent = "no suggestions yet: they come from confirmed post-edits that change the same MT words";
        suggestions.appendChild(none);
      }
      res.body.forEach(function (s) {
        var li = document.createElement("li");
        li.className = "term-suggestion";
        li.textContent = s.source + " → " + s.target + " (" + s.count + " post-edits replaced MT “" + s.mt + "”; " +
          s.examples.join(", ") + ") ";
        var b = button(li, "accept", function () {
          b.disabled = true;
          addTerm({ source: s.source, target: s.target, note: s.note }).then(function (r) {
            if (r.status === 200) { li.classList.add("accepted"); b.textContent = "added"; }
            else { b.disabled = false; b.textContent = "accept (failed: " + (r.body.error || r.status) + ")"; }
          });
        });
        b.className = "accept";
        suggestions.appendChild(li);
      });
    });
  });

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "BUTTON")) { return; }
    var current = R.current();
    if (!current) { return; }
    var k = current.dataset.bead;
    var b = beads[k];
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      save(k, b.draft !== null ? b.draft : b.text, "confirmed").then(function (s) { if (s === 200) { R.go(1, false); } });
    } else if (ev.ctrlKey || ev.metaKey || ev.altKey) {
      return;
    } else if (ev.key === "Enter" || ev.key === "e") {
      ev.preventDefault(); edit(k);
    } else if (ev.key === "r") {
      ev.preventDefault(); save(k, b.mt, "new");
    } else if (ev.key === "x") {
      ev.preventDefault(); reject(k);
    } else if (ev.key === "c") {
      ev.preventDefault(); comment(k);
    } else if (ev.key === "a") {
      ev.preventDefault(); annotate(k);
    } else if (ev.key === "h") {
      ev.preventDefault(); history(k);
    } else if (ev.key === "t") {
      ev.preventDefault(); termForm(k);
    }
  });
  window.addEventListener("beforeunload", function (ev) {
    if (unsaved() > 0) { ev.preventDefault(); ev.returnValue = ""; }
  });
  showSaved();
  if (!R.current()) { var first = R.shown()[0]; if (first) { R.select(first); } }
})();
