// Behaviour every page shares, here and not inline: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  // 菜单 on phones: folds the navigation open and shut.
  document.querySelectorAll(".navtoggle").forEach(function (button) {
    button.addEventListener("click", function () {
      var nav = document.getElementById(button.getAttribute("aria-controls"));
      if (nav) button.setAttribute("aria-expanded", nav.classList.toggle("open"));
    });
  });
  // A select marked data-autosubmit (the month picker) sends its form when changed.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  });
})();
