// The site index's enhancements, copied by the build to site/assets/site.js. The page reads the
// same without them: the A to Z lists every council, and the table is in order of name.
//   - a search box that narrows the A to Z to the councils whose names contain what is typed;
//   - sorting the table of every council's rates by any column (buttons in its headings).
// No network, no storage, no tracking.
(function () {
  "use strict";

  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim();
  }

  // -- Search the A to Z ---------------------------------------------------------------------

  function setUpFilter() {
    var box = document.querySelector(".filter");
    var input = document.getElementById("filter-input");
    var status = document.getElementById("filter-status");
    var groups = Array.prototype.slice.call(document.querySelectorAll(".az-group"));
    if (!box || !input || !status || groups.length === 0) return;
    var nav = document.querySelectorAll(".az-nav li");
    var items = [];
    groups.forEach(function (group) {
      Array.prototype.forEach.call(group.querySelectorAll("li"), function (li) {
        items.push({ li: li, group: group, text: normalise(li.textContent) });
      });
    });
    var timer = null;

    function apply() {
      var query = normalise(input.value);
      var shown = 0;
      var visible = new Set();
      items.forEach(function (item) {
        var match = query === "" || item.text.indexOf(query) !== -1;
        item.li.hidden = !match;
        if (match) { shown += 1; visible.add(item.group); }
      });
      groups.forEach(function (group) { group.hidden = !visible.has(group); });
      Array.prototype.forEach.call(nav, function (li) {
        var target = document.getElementById(li.querySelector("a").getAttribute("href").slice(1));
        li.hidden = !!target && target.hidden;
      });
      // Announced politely once typing pauses, not on every key.
      clearTimeout(timer);
      timer = setTimeout(function () {
        status.textContent = query === "" ? "" :
          shown === 0 ? "No councils match." :
          shown === 1 ? "1 council matches." : shown + " councils match.";
      }, 400);
    }

    input.addEventListener("input", apply);
    box.hidden = false;
  }

  // -- Sort the table ------------------------------------------------------------------------------

  function setUpSorting(table) {
    var body = table.tBodies[0];
    var headers = Array.prototype.slice.call(table.querySelectorAll("th[data-column]"));
    if (!body || headers.length === 0) return;

    function key(row, column, type) {
      var cell = row.cells[column];
      if (type === "number") {
        var value = cell.getAttribute("data-sort");
        return value === null || value === "" ? null : Number(value);
      }
      return normalise(cell.textContent);
    }

    function sortBy(th, direction) {
      var column = Number(th.getAttribute("data-column"));
      var type = th.getAttribute("data-sort-type");
      var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
        return { row: row, key: key(row, column, type), name: key(row, 0, "text"), index: index };
      });
      var sign = direction === "ascending" ? 1 : -1;
      rows.sort(function (a, b) {
        // Councils without a rate go last, whichever the direction.
        if (a.key === null || b.key === null) {
          if (a.key === b.key) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
          return a.key === null ? 1 : -1;
        }
        if (a.key < b.key) return -sign;
        if (a.key > b.key) return sign;
        return a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index;
      });
      var fragment = document.createDocumentFragment();
      rows.forEach(function (r) { fragment.appendChild(r.row); });
      body.appendChild(fragment);
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", direction);
    }

    headers.forEach(function (th) {
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) button.appendChild(th.firstChild);
      var icon = document.createElement("span");
      icon.className = "sort-icon";
      icon.setAttribute("aria-hidden", "true");
      button.appendChild(icon);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var now = th.getAttribute("aria-sort");
        // Names and types first A to Z; rates first highest.
        var first = th.getAttribute("data-sort-type") === "number" ? "descending" : "ascending";
        var next = now === first ? (first === "ascending" ? "descending" : "ascending") : first;
        sortBy(th, next);
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
  }

  function start() {
    setUpFilter();
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), setUpSorting);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
