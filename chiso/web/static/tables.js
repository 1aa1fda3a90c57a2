// Filter and sort a long table in place (the period's submissions): a search box, a status choice and
// sortable column headers. Progressive: without this script the full table is still there.
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.getAttribute("data-sort") || cell.textContent.trim();
  }
  function setup(table) {
    var body = table.tBodies[0];
    var controls = document.querySelector('[data-table-controls="' + table.id + '"]');
    var count = controls && controls.querySelector("[data-count]");
    function apply() {
      var needle = fold((controls && controls.querySelector("input[type=search]") || {value: ""}).value.trim());
      var status = (controls && controls.querySelector("select") || {value: ""}).value;
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var ok = (!needle || fold(row.textContent).indexOf(needle) >= 0) &&
          (!status || row.getAttribute("data-status") === status);
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      if (count) count.textContent = String(shown);
    }
    if (controls) {
      controls.hidden = false;
      controls.addEventListener("input", apply);
      controls.addEventListener("change", apply);
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var cmp = x.localeCompare(y, "vi", {numeric: true});
          return up ? cmp : -cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-filter-sort]"), setup);
  });
})();
