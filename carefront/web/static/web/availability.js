/* Carefront agent availability and chat offers (docs/routing.md).
   - The status menu (online / away / offline) posts without a reload; it works without JS too.
   - Activity (keys, pointer, focus) sends a heartbeat at most once a minute, so inactivity can
     make the agent away and activity bring them back.
   - A chat offer arrives as the DOM event `carefront:notice` ({kind: "chat_offer", data}) that
     the realtime socket dispatches; it shows Accept / Decline. "chat_offer_withdrawn" removes it.
   No inline script or style: CSP-safe. */
(function () {
  "use strict";

  var HEARTBEAT_MS = 60 * 1000;

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, form, body) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrfToken(form));
    Object.keys(body || {}).forEach(function (key) { data.append(key, body[key]); });
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) }
    });
  }

  function setup() {
    var form = document.querySelector("[data-availability-form]");
    if (!form) return;
    var menu = form.closest("[data-availability-menu]");
    var label = menu.querySelector("[data-availability-label]");
    var dot = menu.querySelector("summary .availability-dot");

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=availability]");
      if (!button) return;
      event.preventDefault();
      post(form.action, form, { availability: button.value }).then(function (response) {
        if (!response.ok) { form.submit(); return; }
        form.querySelectorAll("button[name=availability]").forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
        label.textContent = button.textContent.trim();
        dot.className = "availability-dot availability-" + button.value;
        menu.open = false;
      }).catch(function () { form.submit(); });
    });

    // Activity heartbeat: at most one request a minute, only while the page is visible.
    var seenUrl = form.getAttribute("data-seen-url");
    var lastSent = 0;
    function active() {
      var now = Date.now();
      if (document.hidden || now - lastSent < HEARTBEAT_MS) return;
      lastSent = now;
      post(seenUrl, form).catch(function () { /* the next activity tries again */ });
    }
    ["keydown", "pointerdown", "mousemove", "scroll", "focus"].forEach(function (name) {
      window.addEventListener(name, active, { passive: true, capture: true });
    });
    document.addEventListener("visibilitychange", active);
    active();

    // Chat offers.
    var box = document.querySelector("[data-chat-offers]");
    function removeOffer(conversationId) {
      var old = box.querySelector('[data-offer="' + conversationId + '"]');
      if (old) old.remove();
    }
    function showOffer(data) {
      removeOffer(data.conversation_id);
      var card = document.createElement("div");
      card.className = "chat-offer";
      card.setAttribute("role", "alertdialog");
      card.setAttribute("data-offer", String(data.conversation_id));
      var text = document.createElement("p");
      text.textContent = box.getAttribute("data-offer-text")
        .replace("%(customer)s", data.customer || "")
        .replace("%(inbox)s", data.inbox || "");
      card.appendChild(text);
      if (data.preview) {
        var preview = document.createElement("p");
        preview.className = "muted";
        preview.textContent = data.preview;
        card.appendChild(preview);
      }
      var accept = document.createElement("button");
      accept.type = "button";
      accept.className = "button button-primary";
      accept.textContent = box.getAttribute("data-accept-text");
      var decline = document.createElement("button");
      decline.type = "button";
      decline.className = "button";
      decline.textContent = box.getAttribute("data-decline-text");
      function answer(url, goTo) {
        accept.disabled = decline.disabled = true;
        post(url, form).then(function (response) {
          return response.json().then(function (body) {
            removeOffer(data.conversation_id);
            if (response.ok && goTo && body.url) window.location.assign(body.url);
          });
        }).catch(function () { removeOffer(data.conversation_id); });
      }
      accept.addEventListener("click", function () { answer(data.accept_url, true); });
      decline.addEventListener("click", function () { answer(data.decline_url, false); });
      card.appendChild(accept);
      card.appendChild(decline);
      box.appendChild(card);
      accept.focus();
      if (data.expires_in) {
        window.setTimeout(function () { removeOffer(data.conversation_id); },
          data.expires_in * 1000);
      }
    }
    document.addEventListener("carefront:notice", function (event) {
      var detail = event.detail || {};
      var data = detail.data || {};
      if (detail.kind === "chat_offer" && data.conversation_id) showOffer(data);
      if (detail.kind === "chat_offer_withdrawn" && data.conversation_id) {
        removeOffer(data.conversation_id);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
