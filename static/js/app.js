// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Phone layout: the navigation and the filters fold behind a button (CSS folds them only on
  // narrow screens); tables get their column names on every cell so CSS can show rows as cards.
  function toggle(button, target, openClass) {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    target.classList.toggle(openClass, open);
  }

  function foldFilters(form, index) {
    if (form.querySelector(".error, .field--error, [aria-invalid=true]")) return;
    if (!form.id) form.id = "filters-" + index;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn--small filters-toggle";
    button.textContent = "Filters";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", form.id);
    button.addEventListener("click", function () { toggle(button, form, "filters--open"); });
    form.classList.add("filters--foldable");
    form.parentNode.insertBefore(button, form);
  }

  function labelCells(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var names = Array.prototype.map.call(head.cells, function (cell) {
      var name = cell.textContent.replace(/[▲▼]/g, "").trim();
      return { name: name, span: cell.colSpan || 1 };
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var index = 0, seen = 0;
          while (index < names.length && seen + names[index].span <= column) { seen += names[index].span; index++; }
          // A cell across several columns ("No calls yet") speaks for itself: no label.
          var spansOne = (cell.colSpan || 1) === 1;
          if (spansOne && names[index] && names[index].name && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[index].name);
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("table--cards");
  }

  // A table still too wide for its box scrolls: make that scrolling reachable by keyboard.
  function markScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        if (!wrap.hasAttribute("role")) wrap.setAttribute("role", "region");
        if (!wrap.hasAttribute("aria-label")) {
          var caption = wrap.querySelector("caption");
          wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
        }
      } else if (wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
      }
    });
  }

  function enhance() {
    var navButton = document.querySelector(".nav-toggle");
    var topbar = document.querySelector(".topbar");
    if (navButton && topbar) {
      navButton.addEventListener("click", function () { toggle(navButton, topbar, "topbar--open"); });
    }
    var forms = document.querySelectorAll('form.toolbar[method="get"], form[data-filters]');
    Array.prototype.forEach.call(forms, foldFilters);
    Array.prototype.forEach.call(document.querySelectorAll("table.table:not(.table--no-cards)"), labelCells);
    markScrollers();
    window.addEventListener("resize", markScrollers);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhance);
  else enhance();

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });

  // Copy buttons: <button data-copy-target="ID"> copies the text of element ID.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) return;
    var text = (source.value !== undefined ? source.value : source.textContent).trim();
    var label = button.querySelector("[data-copy-label]") || button;
    var original = label.textContent;
    function done(message) {
      label.textContent = message;
      setTimeout(function () { label.textContent = original; }, 2000);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done("Copied"); }, function () { done("Press Ctrl+C"); });
    } else {
      done("Press Ctrl+C");
    }
  });
})();
