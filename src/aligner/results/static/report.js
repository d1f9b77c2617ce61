(function () {
  "use strict";
  var body = document.querySelector("table.beads tbody");
  var all = Array.prototype.slice.call(body.rows);
  var only = document.getElementById("flagged-only");
  var todo = document.getElementById("open-only");
  var sort = document.getElementById("sort");
  var wordRisk = document.getElementById("word-risk");
  var status = document.getElementById("status");
  var reordered = false;

  function isBead(r) { return r.classList.contains("bead"); }
  function shown() {
    return all.filter(function (r) { return isBead(r) && !r.classList.contains("hidden"); });
  }
  function apply() {
    var key = sort.value;
    var flagged = only.checked;
    var open = todo !== null && todo.checked;
    all.forEach(function (r) {
      var hide;
      if (isBead(r)) {
        hide = (flagged && r.dataset.flagged !== "1") || (open && r.dataset.status === "confirmed");
      } else {
        hide = key !== "order" || flagged || open;
      }
      r.classList.toggle("hidden", hide);
    });
    if (key !== "order") {
      var beads = all.filter(isBead).sort(function (a, b) {
        var x = parseFloat(a.dataset[key]), y = parseFloat(b.dataset[key]);
        if (isNaN(x)) { x = Infinity; }
        if (isNaN(y)) { y = Infinity; }
        return x - y || a.dataset.order - b.dataset.order;
      });
      var frag = document.createDocumentFragment();
      beads.forEach(function (r) { frag.appendChild(r); });
      all.forEach(function (r) { if (!isBead(r)) { frag.appendChild(r); } });
      body.appendChild(frag);
      reordered = true;
    } else if (reordered) {
      var back = document.createDocumentFragment();
      all.forEach(function (r) { back.appendChild(r); });
      body.appendChild(back);
      reordered = false;
    }
    status.textContent = shown().length + " beads shown";
  }
  function select(row, quiet) {
    all.forEach(function (r) { if (r !== row) { r.classList.remove("current"); } });
    row.classList.add("current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "center" });
    if (!quiet) { document.dispatchEvent(new CustomEvent("aligner:select", { detail: row })); }
  }
  function current() { return body.querySelector("tr.current"); }
  function go(step, flaggedOnly) {
    var rows = shown();
    if (flaggedOnly) { rows = rows.filter(function (r) { return r.dataset.flagged === "1"; }); }
    if (!rows.length) { return null; }
    var at = rows.indexOf(current());
    var next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : (at + step + rows.length) % rows.length;
    select(rows[next]);
    if (flaggedOnly) {
      status.textContent = "flagged bead " + (next + 1) + " of " + rows.length + " (#" + rows[next].dataset.bead + ")";
    }
    return rows[next];
  }
  function highlights() {
    document.body.classList.toggle("no-word-risk", wordRisk !== null && !wordRisk.checked);
  }
  if (wordRisk !== null) { wordRisk.addEventListener("change", highlights); }
  only.addEventListener("change", apply);
  sort.addEventListener("change", apply);
  if (todo !== null) { todo.addEventListener("change", apply); }
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type === "text"))) { return; }
    if (t && (t.tagName === "SELECT" || t.tagName === "INPUT") && ev.key !== "j" && ev.key !== "k") { return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (ev.key === "j" || ev.key === "n") { go(1, true); ev.preventDefault(); }
    else if (ev.key === "k" || ev.key === "p") { go(-1, true); ev.preventDefault(); }
    else if (ev.key === "ArrowDown") { go(1, false); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { go(-1, false); ev.preventDefault(); }
  });
  body.addEventListener("click", function (ev) {
    var row = ev.target.closest ? ev.target.closest("tr.bead") : null;
    if (row && !row.classList.contains("current")) { select(row); }
  });
  // a link to one bead (the desk queue's, a shared URL): select it, in the middle of the window, not under the bar,
  // clearing a filter that hides it; on "load", once every script of the page listens for the selection (the
  // review's editor then starts the bead's effort clock: the reviewer came for that bead)
  function fromHash() {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    var row = id ? document.getElementById(id) : null;
    if (!row || !isBead(row) || !body.contains(row)) { return; }
    if (row.classList.contains("hidden")) {
      only.checked = false;
      if (todo !== null) { todo.checked = false; }
      apply();
    }
    select(row);
  }
  window.alignerReport = { apply: apply, go: go, select: select, current: current, shown: shown };
  apply();
  window.addEventListener("load", fromHash);
  window.addEventListener("hashchange", fromHash);
})();
