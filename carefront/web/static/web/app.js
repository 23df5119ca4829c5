/* Carefront agent workspace: keyboard shortcuts, message frames, saved replies.
   Everything here is an enhancement: every page works without it. */
(function () {
  "use strict";

  function isTyping(target) {
    if (!target || !(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    return ["INPUT", "TEXTAREA", "SELECT"].indexOf(target.tagName) !== -1;
  }

  function rowLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row] .row-link"));
  }

  function currentRowIndex(links) {
    var active = document.activeElement;
    var index = links.indexOf(active);
    if (index !== -1) return index;
    var selected = document.querySelector("[data-row].is-selected .row-link");
    return selected ? links.indexOf(selected) : -1;
  }

  function selectRow(links, index) {
    if (!links.length) return;
    index = Math.max(0, Math.min(links.length - 1, index));
    links.forEach(function (link) { link.closest("[data-row]").classList.remove("is-selected"); });
    var link = links[index];
    link.closest("[data-row]").classList.add("is-selected");
    link.focus();
    link.scrollIntoView({ block: "nearest" });
    rememberRow(link.closest("[data-row]"));
  }

  /* The selected row is remembered per list URL (folder, filters and search included) for the
     tab's session, so Back from a conversation selects it again. */
  var ROW_KEY = "carefront:inbox-row:";

  function rowKey() { return ROW_KEY + window.location.pathname + window.location.search; }

  function rememberRow(row) {
    var id = row && row.getAttribute("data-id");
    if (!id) return;
    try { window.sessionStorage.setItem(rowKey(), id); } catch (error) { /* storage off: no memory */ }
  }

  function restoreRow() {
    var id = null;
    try { id = window.sessionStorage.getItem(rowKey()); } catch (error) { return; }
    if (!id) return;
    var links = rowLinks();
    for (var i = 0; i < links.length; i++) {
      if (links[i].closest("[data-row]").getAttribute("data-id") === id) {
        selectRow(links, i);
        return;
      }
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-row] .row-link");
    if (link) rememberRow(link.closest("[data-row]"));
  }, true);
  // A fresh load, a page from the back-forward cache, and a list htmx restored from its history.
  restoreRow();
  window.addEventListener("pageshow", function (event) { if (event.persisted) restoreRow(); });
  document.addEventListener("htmx:historyRestore", restoreRow);

  /* With htmx, filters apply as they change: the Apply button is for pages without script. */
  function hideApplyButtons() {
    if (!window.htmx) return;
    document.querySelectorAll("[data-apply-filters]").forEach(function (button) { button.hidden = true; });
  }
  hideApplyButtons();
  document.addEventListener("htmx:afterSettle", hideApplyButtons);

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) return false;
    field.focus();
    field.scrollIntoView({ block: "center" });
    return true;
  }

  function clickIfPresent(selector) {
    var element = document.querySelector(selector);
    if (!element) return false;
    element.click();
    return true;
  }

  function openHelp() {
    var dialog = document.getElementById("shortcut-help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  var shortcuts = {
    j: function () { var l = rowLinks(); selectRow(l, currentRowIndex(l) + 1); return l.length > 0; },
    k: function () { var l = rowLinks(); selectRow(l, currentRowIndex(l) - 1); return l.length > 0; },
    o: function () {
      var l = rowLinks(); var i = currentRowIndex(l);
      if (i === -1) return false;
      window.location.assign(l[i].href);
      return true;
    },
    x: function () {
      var l = rowLinks(); var i = currentRowIndex(l);
      if (i === -1) return false;
      var box = l[i].closest("[data-row]").querySelector(".row-select");
      if (box) box.checked = !box.checked;
      return Boolean(box);
    },
    r: function () { return focusField("reply-body"); },
    n: function () { return focusField("note-body"); },
    a: function () { return clickIfPresent("[data-shortcut-assign-me]"); },
    s: function () { return clickIfPresent("[data-shortcut-solve]:not([aria-pressed='true'])"); },
    p: function () { return clickIfPresent("[data-shortcut-priority-up]"); },
    P: function () { return clickIfPresent("[data-shortcut-priority-down]"); },
    z: function () {
      var menu = document.querySelector("[data-snooze-menu]");
      if (!menu) return false;
      menu.open = true;
      var first = menu.querySelector("[data-snooze-preset]") || menu.querySelector("#snooze-at");
      if (first) first.focus();
      return true;
    },
    "/": function () {
      var search = document.querySelector("[data-search-input]");
      if (search) { search.focus(); search.select(); return true; }
      window.location.assign("/");
      return true;
    },
    "?": function () { openHelp(); return true; }
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    if (document.querySelector("dialog[open]") && event.key !== "Escape") return;
    var key = event.key;
    if (key === "Enter") {
      // A focused row link opens by itself; Enter on a merely selected row opens it too.
      if (document.activeElement && document.activeElement.classList.contains("row-link")) return;
      key = "o";
    }
    var handler = shortcuts[key];
    if (handler && handler()) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-shortcut-help]");
    if (trigger) openHelp();
  });

  /* Message frames: size each sandboxed frame to its content (same-origin, no scripts inside). */
  function sizeFrame(frame) {
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.documentElement) return;
      // The html element's own box: scrollHeight would never shrink below the frame's height.
      var height = Math.ceil(doc.documentElement.getBoundingClientRect().height);
      // CSSOM changes are allowed by the CSP; only inline style attributes in markup are not.
      if (height > 0) frame.style.height = Math.min(height + 4, 4000) + "px";
    } catch (error) {
      /* A frame we cannot read keeps its fixed height and scrolls. */
    }
  }
  document.addEventListener("load", function (event) {
    if (event.target.classList && event.target.classList.contains("message-frame")) sizeFrame(event.target);
  }, true);
  document.addEventListener("toggle", function (event) {
    if (event.target.open) {
      event.target.querySelectorAll(".message-frame").forEach(sizeFrame);
    }
  }, true);

  /* Saved replies: insert the filled text at the cursor instead of reloading the page. */
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-saved-reply-form]");
    if (!form) return;
    var textarea = document.getElementById("reply-body");
    var select = form.querySelector("select");
    if (!textarea || !select || !select.value) return;
    event.preventDefault();
    var url = form.getAttribute("data-url-template").replace(/\/0\/$/, "/" + encodeURIComponent(select.value) + "/");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/plain" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (text) {
        var start = textarea.selectionStart || 0;
        var end = textarea.selectionEnd || 0;
        var before = textarea.value.slice(0, start);
        var after = textarea.value.slice(end);
        textarea.value = before + text + after;
        var caret = before.length + text.length;
        textarea.focus();
        textarea.setSelectionRange(caret, caret);
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        macroOffer(select);
      })
      .catch(function () { form.submit(); });
  });

  /* SLA countdowns ("due in 25 m", "at risk: 8 m", "breached 12 m ago"): re-rendered every
     30 seconds, and at the moment one turns at risk or breached, from the instants on each
     element (data-sla-due, data-sla-risk) and the words the page carries once
     ([data-sla-texts]). The server's clock is the reference: the offset to it is measured from
     the page's data-now, so a countdown is right on a machine whose clock is off. */
  var SLA_STATES = ["ok", "at-risk", "breached"];
  var slaTimer = null;
  var slaOffset = 0;

  function slaTexts() {
    var all = document.querySelectorAll("[data-sla-texts]");
    return all.length ? all[all.length - 1] : null;
  }

  function slaFormat(texts, template, values) {
    return texts.getAttribute("data-" + template).replace(/%\((\w+)\)s/g, function (match, name) {
      return name in values ? String(values[name]) : match;
    });
  }

  function slaDuration(texts, seconds, roundUp) {
    var minutes = Math.max(roundUp ? Math.ceil(seconds / 60) : Math.floor(seconds / 60), 0);
    if (minutes < 60) return slaFormat(texts, "m", { minutes: minutes });
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 24) {
      return minutes ? slaFormat(texts, "hm", { hours: hours, minutes: minutes })
                     : slaFormat(texts, "h", { hours: hours });
    }
    var days = Math.floor(hours / 24);
    hours = hours % 24;
    return hours ? slaFormat(texts, "dh", { days: days, hours: hours })
                 : slaFormat(texts, "d", { days: days });
  }

  function renderCountdowns() {
    window.clearTimeout(slaTimer);
    var texts = slaTexts();
    var elements = document.querySelectorAll("[data-sla-due]");
    if (!texts || !elements.length) return;
    var icons = (texts.getAttribute("data-icons") || "").split("|");
    var now = Date.now() + slaOffset;
    var next = now + 30000;
    elements.forEach(function (element) {
      var due = Date.parse(element.getAttribute("data-sla-due"));
      var riskText = element.getAttribute("data-sla-risk");
      var risk = riskText ? Date.parse(riskText) : NaN;
      if (isNaN(due)) return;
      var state, text;
      if (now >= due) {
        state = 2;
        text = now - due < 60000 ? texts.getAttribute("data-breached-now")
          : slaFormat(texts, "breached", { duration: slaDuration(texts, (now - due) / 1000, false) });
        // "just now" turns into "breached 1 m ago" at the minute.
        if (now - due < 60000) next = Math.min(next, due + 60000);
      } else {
        var left = slaDuration(texts, (due - now) / 1000, true);
        state = !isNaN(risk) && now >= risk ? 1 : 0;
        text = slaFormat(texts, state === 1 ? "risk" : "due", { duration: left });
        next = Math.min(next, due);
        if (state === 0 && !isNaN(risk)) next = Math.min(next, risk);
      }
      SLA_STATES.forEach(function (name, index) {
        element.classList.toggle("sla-" + name, index === state);
      });
      var icon = element.querySelector(".sla-icon");
      if (icon && icons[state]) icon.textContent = icons[state];
      var target = element.querySelector("[data-sla-text]");
      if (target && target.textContent !== text) target.textContent = text;
    });
    // A little after the next change of state, or in 30 seconds.
    slaTimer = window.setTimeout(renderCountdowns, Math.max(next - now + 50, 250));
  }

  function startCountdowns() {
    var texts = slaTexts();
    var serverNow = texts ? Date.parse(texts.getAttribute("data-now")) : NaN;
    slaOffset = isNaN(serverNow) ? 0 : serverNow - Date.now();
    renderCountdowns();
  }
  startCountdowns();
  document.addEventListener("htmx:afterSettle", startCountdowns);
  window.addEventListener("pageshow", function (event) { if (event.persisted) renderCountdowns(); });
  // Background tabs run timers late: a tab brought back is brought up to date at once.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") renderCountdowns();
  });

  /* Follow-up promise: insert the sentence for the chosen time (in the customer's language)
     into the reply at the cursor. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-insert-promise]");
    if (!button) return;
    var due = document.getElementById("promise-due");
    var textarea = document.getElementById("reply-body");
    if (!due || !textarea) return;
    if (!due.value) { due.focus(); return; }
    var url = button.getAttribute("data-url") + "?due=" + encodeURIComponent(due.value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/plain" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (text) {
        var start = textarea.selectionStart || 0;
        var end = textarea.selectionEnd || 0;
        var before = textarea.value.slice(0, start);
        var after = textarea.value.slice(end);
        var sentence = (before && !/\s$/.test(before) ? " " : "") + text;
        textarea.value = before + sentence + after;
        var caret = before.length + sentence.length;
        textarea.focus();
        textarea.setSelectionRange(caret, caret);
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      })
      .catch(function () { due.focus(); });
  });

  /* A saved reply with actions (a macro): the reply form says what sending will also do, and
     sends the saved reply's id with the reply; unticking the box sends a plain reply. */
  function macroOffer(select) {
    var note = document.querySelector("[data-macro-note]");
    if (!note) return;
    var option = select.options[select.selectedIndex];
    var text = option ? option.getAttribute("data-macro") : "";
    var input = note.querySelector("[data-macro-input]");
    if (!text) return;
    input.value = select.value;
    input.checked = true;
    note.querySelector("[data-macro-text]").textContent = text;
    note.hidden = false;
  }

  /* Alt+M: insert the chosen saved reply (and offer its actions), from anywhere on the page. */
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.code !== "KeyM") return;
    var form = document.querySelector("[data-saved-reply-form]");
    if (!form) return;
    var select = form.querySelector("select");
    event.preventDefault();
    if (!select.value) {
      select.focus();
      return;
    }
    form.requestSubmit();
  });

  /* "Check my reply": Alt+K while writing the reply (the plain shortcuts stay off while typing). */
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.code !== "KeyK") return;
    var button = document.querySelector("[data-check-reply]");
    if (!button) return;
    event.preventDefault();
    button.click();
  });

  /* Touch screens have no keyboard shortcuts: placeholders that mention one say it plainly. */
  var touchOnly = window.matchMedia && window.matchMedia("(hover: none), (pointer: coarse)").matches;
  function touchPlaceholders(root) {
    if (!touchOnly || !root.querySelectorAll) return;
    root.querySelectorAll("[data-touch-placeholder]").forEach(function (input) {
      input.setAttribute("placeholder", input.getAttribute("data-touch-placeholder"));
    });
  }
  touchPlaceholders(document);
  document.addEventListener("htmx:load", function (event) { touchPlaceholders(event.target); });
})();

/* Knowledge base in the composer: insert a suggested article (link or text) at the cursor. */
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-insert-article]");
  if (!button) return;
  var textarea = document.getElementById("reply-body");
  if (!textarea) return;
  var text = button.getAttribute("data-text");
  var start = textarea.selectionStart || 0;
  var end = textarea.selectionEnd || 0;
  var before = textarea.value.slice(0, start);
  var after = textarea.value.slice(end);
  textarea.value = before + text + after;
  var caret = before.length + text.length;
  textarea.focus();
  textarea.setSelectionRange(caret, caret);
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
});
