/* The site's small script: large text (适老化), the print button, the page's printed address.
   A classic script with no dependencies, so that it works from file:// and on any server.
   Without it every page still reads and prints; only these buttons stay hidden. */
(function () {
  "use strict";
  var KEY = "bulletin-text";
  var root = document.documentElement;

  function remember(large) {
    try {
      if (large) localStorage.setItem(KEY, "large");
      else localStorage.removeItem(KEY);
    } catch (e) { /* storage off: the choice lasts for this page only */ }
  }

  function setLarge(large, button) {
    root.classList.toggle("text-large", large);
    button.setAttribute("aria-pressed", large ? "true" : "false");
    button.textContent = large ? "标准字" : "大字";
  }

  var buttons = document.querySelectorAll(".js-only");
  for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;

  var size = document.querySelector('[data-action="text-size"]');
  if (size) {
    setLarge(root.classList.contains("text-large"), size);
    size.addEventListener("click", function () {
      var large = !root.classList.contains("text-large");
      setLarge(large, size);
      remember(large);
    });
  }
  var print = document.querySelector('[data-action="print"]');
  if (print) print.addEventListener("click", function () { window.print(); });

  // On paper a link is dead text: print where this page lives, when it lives on a server.
  var address = document.querySelector("[data-address]");
  if (address && !address.textContent && /^https?:$/.test(location.protocol)) {
    address.textContent = location.href.split("#")[0];
  }
  if (address && !address.textContent) address.parentNode.hidden = true;
})();
