(function () {
  "use strict";
  // The batch index: a click on a column's heading sorts the stories by it (again: the other way round). A cell's
  // data-v holds the value to sort by when its text is not it; empty values go last either way.
  var table = document.querySelector("table.stories");
  if (table === null) { return; }
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var state = { column: -1, desc: false };

  function value(row, k, numeric) {
    var cell = row.cells[k];
    var v = cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent.trim();
    if (!numeric) { return v; }
    var x = parseFloat(v);
    return isNaN(x) ? null : x;
  }
  function sortBy(k) {
    var th = heads[k];
    var numeric = th.dataset.sort === "num";
    state.desc = state.column === k ? !state.desc : th.dataset.desc === "1";
    state.column = k;
    var rows = Array.prototype.slice.call(body.rows).map(function (r, i) { return { r: r, i: i }; });
    rows.sort(function (a, b) {
      var x = value(a.r, k, numeric), y = value(b.r, k, numeric);
      if (x === null || x === "") { return (y === null || y === "") ? a.i - b.i : 1; }
      if (y === null || y === "") { return -1; }
      var c = numeric ? x - y : String(x).localeCompare(String(y));
      return (state.desc ? -c : c) || a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (o) { frag.appendChild(o.r); });
    body.appendChild(frag);
    heads.forEach(function (h, i) {
      h.setAttribute("aria-sort", i === k ? (state.desc ? "descending" : "ascending") : "none");
    });
  }
  heads.forEach(function (th, k) {
    if (!th.dataset.sort) { return; }
    th.tabIndex = 0;
    th.classList.add("sortable");
    th.addEventListener("click", function () { sortBy(k); });
    th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { sortBy(k); } });
  });
  window.alignerIndex = { sortBy: sortBy };
})();
