// Small enhancements on top of pages that work without JavaScript.
(function () {
  "use strict";

  // htmx requests carry the CSRF token as a header, as forms carry it as a field.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
    }
  });

  // Selects marked data-autosubmit (the language switch) submit on change; their button is for no-JS use.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  document.documentElement.classList.add("js");

  // The characters typed so far in an answer, beside its length rule (the server writes the first count).
  function recount(box) {
    var count = document.querySelector('[data-count-of="' + box.id + '"]');
    if (count) {
      count.textContent = String(Array.from(box.value.trim()).length);
    }
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.id && target.tagName === "TEXTAREA") {
      recount(target);
    }
  });
  // What was typed before this script ran (a slow connection, a fast typist) is counted now.
  Array.prototype.forEach.call(document.querySelectorAll("[data-count-of]"), function (count) {
    var box = document.getElementById(count.getAttribute("data-count-of"));
    if (box) {
      recount(box);
    }
  });

  // One-time links are selected on focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.id === "one-time-link") {
      event.target.select();
    }
  });
})();

// Autosave that cannot reach the server says so, and keeps the text in the page (nothing is lost).
(function () {
  "use strict";
  function offline(event) {
    var elt = event.detail && event.detail.elt;
    var status = elt && elt.querySelector ? elt.querySelector("[data-offline]") : null;
    if (status) {
      status.textContent = status.getAttribute("data-offline");
      status.classList.add("save-error");
    }
  }
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:responseError", offline);
})();
