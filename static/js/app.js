// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

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
