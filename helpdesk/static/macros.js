// The reply box's macro picker, by keyboard: Alt+M opens it, typing filters, Up/Down move, Enter inserts, Esc closes.
// The server fills the placeholders (/macros/{id}/filled); the text goes into the textarea as plain text, never HTML.
// Listeners sit on the document, so the picker keeps working after htmx swaps the ticket in again.
(function () {
  "use strict";

  function picker() { return document.querySelector("[data-macro-picker]"); }
  function box(root) { return root.querySelector("[role=combobox]"); }
  function list(root) { return root.querySelector("[role=listbox]"); }
  function visibleOptions(root) {
    return Array.prototype.filter.call(list(root).querySelectorAll("[role=option]"), function (o) { return !o.hidden; });
  }

  function setActive(root, option) {
    Array.prototype.forEach.call(list(root).querySelectorAll("[role=option]"), function (o) {
      o.setAttribute("aria-selected", o === option ? "true" : "false");
      o.classList.toggle("active", o === option);
    });
    if (option) {
      box(root).setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      box(root).removeAttribute("aria-activedescendant");
    }
  }

  function open(root) {
    list(root).hidden = false;
    box(root).setAttribute("aria-expanded", "true");
    filter(root);
  }

  function close(root) {
    list(root).hidden = true;
    box(root).setAttribute("aria-expanded", "false");
    setActive(root, null);
  }

  function filter(root) {
    var words = box(root).value.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(list(root).querySelectorAll("[role=option]"), function (o) {
      var text = o.textContent.toLowerCase();
      o.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
    });
    var shown = visibleOptions(root);
    setActive(root, shown.length ? shown[0] : null);
  }

  function move(root, step) {
    var shown = visibleOptions(root);
    if (!shown.length) return;
    var current = shown.indexOf(list(root).querySelector("[aria-selected=true]"));
    setActive(root, shown[(current + step + shown.length) % shown.length]);
  }

  function say(root, text) {
    var status = root.querySelector("[role=status]");
    if (status) status.textContent = text;
  }

  function insert(root, option) {
    var url = "/macros/" + encodeURIComponent(option.dataset.macroId) + "/filled?ticket=" + encodeURIComponent(root.dataset.ticket);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (macro) {
        var area = document.getElementById("message-body");
        var start = area.selectionStart, end = area.selectionEnd;
        area.value = area.value.slice(0, start) + macro.text + area.value.slice(end);
        area.selectionStart = area.selectionEnd = start + macro.text.length;
        var ids = root.querySelector("#macro-ids");
        if (!ids.querySelector("input[value='" + String(macro.macro_id) + "']")) {
          var field = document.createElement("input");
          field.type = "hidden";
          field.name = "macro_id";
          field.value = String(macro.macro_id);
          ids.appendChild(field);
        }
        root.querySelector("#macro-clear").hidden = false;
        box(root).value = "";
        close(root);
        say(root, "Inserted “" + macro.title + "”." + (macro.effects ? " Sending also sets " + macro.effects + "." : "") +
            (ids.children.length > 1 ? " (" + ids.children.length + " macros in this reply.)" : ""));
        area.focus();
      })
      .catch(function () { say(root, "The macro could not be loaded; reload the page and try again."); });
  }

  document.addEventListener("keydown", function (event) {
    var root = picker();
    if (!root) return;
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.code === "KeyM" || event.key === "m")) {
      event.preventDefault();
      box(root).focus();
      open(root);
      return;
    }
    if (event.target !== box(root)) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list(root).hidden) open(root); else move(root, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      // Never submit the reply form from the picker: Enter chooses a macro.
      event.preventDefault();
      var chosen = list(root).querySelector("[aria-selected=true]");
      if (chosen && !list(root).hidden) insert(root, chosen);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(root);
    }
  });

  document.addEventListener("input", function (event) {
    var root = picker();
    if (root && event.target === box(root)) open(root);
  });

  document.addEventListener("focusout", function (event) {
    var root = picker();
    if (root && event.target === box(root)) close(root);
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#macro-clear")) return;
    var root = picker();
    root.querySelector("#macro-ids").textContent = "";
    root.querySelector("#macro-clear").hidden = true;
    say(root, "The reply keeps its text; sending it changes nothing else.");
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("[data-macro-picker] [role=option]");
    if (option) {
      event.preventDefault();
      insert(picker(), option);
    }
  });
})();
