// Intake form: show only the fields that apply (person / employer, the "inform" outcome).
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  function value(name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var el = form.querySelector('[name="' + name + '"]');
    return el ? el.value : "";
  }
  function refresh() {
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      var rule = el.getAttribute("data-show-when").split("=");
      el.hidden = value(rule[0]) !== rule[1];
    });
  }
  form.addEventListener("change", refresh);
  refresh();
})();
