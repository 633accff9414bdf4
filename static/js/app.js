// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });

  function selectText(element) {
    if (element.select) { element.focus(); element.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

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
    // Select the text first: on plain HTTP away from localhost (a LAN install) there is no
    // Clipboard API, and the selection is what execCommand copies or the person copies by hand.
    selectText(source);
    function fallback() {
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      done(copied ? "Copied" : "Press Ctrl+C");
    }
    if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done("Copied"); }, fallback);
    } else {
      fallback();
    }
  });
})();
