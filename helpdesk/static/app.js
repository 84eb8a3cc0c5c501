// Keyboard first, and small helps for forms. One file, no inline script (the CSP forbids it).
//   /        the lookup box            ?        the shortcuts sheet
//   g t, g c tickets / claims          j, k     next / previous ticket in a queue (Enter opens it)
//   Ctrl+Enter in a reply box sends it; Esc in a customer's history search shows the full history again.
// None of them fires while the agent is typing in a field.
(function () {
  "use strict";
  var GO_TO = { t: "/tickets", c: "/claims" };
  var pendingG = 0;

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function queueLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-results tbody tr.ticket td:first-child a, #my-queue tbody tr.ticket td:first-child a"));
  }

  function moveInQueue(step) {
    var links = queueLinks();
    if (!links.length) return false;
    var index = links.indexOf(document.activeElement);
    index = index < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, index + step));
    links.forEach(function (link) { link.closest("tr").classList.remove("is-current"); });
    var row = links[index].closest("tr");
    row.classList.add("is-current");
    links[index].focus();
    row.scrollIntoView({ block: "nearest" });
    return true;
  }

  function openShortcuts() {
    var sheet = document.getElementById("shortcuts");
    if (sheet && !sheet.open && sheet.showModal) sheet.showModal();
  }

  function resetHistorySearch() {
    var box = document.querySelector("[data-history-box]");
    var results = document.querySelector("#history #search-results");
    if (box) box.value = "";
    if (results) results.innerHTML = "";
    if (box) box.focus();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    // Ctrl+Enter (Cmd+Enter on a Mac) sends the reply being typed.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target && target.matches && target.matches("textarea[data-send-shortcut]")) {
      event.preventDefault();
      var form = target.closest("form");
      if (form && form.requestSubmit) form.requestSubmit();
      return;
    }
    if (event.key === "Escape" && target && target.matches && target.matches("[data-history-box]")) {
      event.preventDefault();
      resetHistorySearch();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(target)) return;
    if (document.querySelector("dialog[open]") && event.key !== "Escape") return;
    var key = event.key;
    if (pendingG && Date.now() - pendingG < 1500 && GO_TO[key]) {
      pendingG = 0;
      event.preventDefault();
      window.location.assign(GO_TO[key]);
      return;
    }
    pendingG = 0;
    if (key === "/") {
      var box = document.getElementById("lookup-q");
      if (!box) return;
      event.preventDefault();
      box.focus();
      box.select();
    } else if (key === "?") {
      event.preventDefault();
      openShortcuts();
    } else if (key === "g") {
      pendingG = Date.now();
    } else if (key === "j" || key === "k") {
      if (moveInQueue(key === "j" ? 1 : -1)) event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var element = event.target && event.target.closest ? event.target : null;
    if (!element) return;
    // Cancel on a swapped-in form removes it (no inline handlers: the CSP forbids them).
    var close = element.closest("[data-close]");
    if (close) {
      var form = close.closest(".action-form");
      if (!form) return;
      var holder = form.parentElement;
      form.remove();
      // Leftover whitespace would keep the side panel "not :empty", and so open.
      if (holder && !holder.children.length) holder.textContent = "";
      return;
    }
    if (element.closest("[data-shortcuts]")) {
      openShortcuts();
      return;
    }
    if (element.closest("[data-history-reset]")) resetHistorySearch();
  });

  document.addEventListener("input", function (event) {
    // A new lookup clears the previous message so a stale "not found" never sits under a fresh ID.
    if (event.target && event.target.id === "lookup-q") {
      var result = document.getElementById("lookup-result");
      if (result) result.textContent = "";
    }
    // An emptied history search box shows the whole timeline again at once.
    if (event.target && event.target.matches && event.target.matches("[data-history-box]") && !event.target.value) {
      var results = document.querySelector("#history #search-results");
      if (results) results.innerHTML = "";
    }
  });

  // Photos over the limit are caught before sending, so the form and everything typed in it stay.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var each = Number(input.getAttribute("data-max-bytes"));
    var count = Number(input.getAttribute("data-max-files") || "0");
    var message = "";
    Array.prototype.forEach.call(input.files || [], function (file) {
      if (!message && file.size > each) {
        message = file.name + " is " + (file.size / 1048576).toFixed(1) + " MB; each photo can be at most " + Math.round(each / 1048576) + " MB.";
      }
    });
    if (!message && count && input.files && input.files.length > count) {
      message = "At most " + count + " photos per claim; " + input.files.length + " were chosen.";
    }
    input.setCustomValidity(message);
    if (message) input.reportValidity();
  });
})();
