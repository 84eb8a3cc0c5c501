// Keyboard first: "/" focuses the lookup box from anywhere, unless the agent is typing elsewhere.
(function () {
  "use strict";
  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var box = document.getElementById("lookup-q");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
  // Cancel on a swapped-in form removes it (no inline handlers: the CSP forbids them).
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-close]") : null;
    if (!button) return;
    var form = button.closest(".action-form");
    if (form) form.remove();
  });
  // A new lookup clears the previous message so a stale "not found" never sits under a fresh ID.
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "lookup-q") {
      var result = document.getElementById("lookup-result");
      if (result) result.textContent = "";
    }
  });
})();
