// The activity form shows the fields of the chosen kind only: each kind-specific input carries the
// kinds it belongs to in data-kinds, and its label is hidden while another kind is chosen.
(function () {
  "use strict";
  var form = document.getElementById("activity-form");
  if (!form) return;
  var kind = form.querySelector("[name=kind]");
  if (!kind) return;
  function show() {
    form.querySelectorAll("[data-kinds]").forEach(function (input) {
      var label = input.closest("label");
      if (label) label.hidden = input.dataset.kinds.split(" ").indexOf(kind.value) < 0;
    });
  }
  kind.addEventListener("change", show);
  show();
})();
