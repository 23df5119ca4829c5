// Realtime agent pages (docs/realtime.md): one socket per page to /ws/agent/live/.
// - Inbox: new conversations and messages refresh the list and the folder counts (fetched as
//   HTML, the same rendering as a reload), keeping ticked rows.
// - Conversation: replay from the last sequence number seen, new messages appear without a
//   reload, who else is viewing or typing is shown, and a message from someone else that lands
//   while the agent writes is announced at once (the server holds the send: traffic cop).
// - Reconnects on its own with backoff and says so; without WebSockets the page polls slowly.
// No inline script, no framework: CSP script-src 'self'.
(function () {
  "use strict";
  if (!("WebSocket" in window) || !document.querySelector("[data-live-status]")) return;

  var statusEl = document.querySelector("[data-live-status]");
  var socket = null;
  var attempts = 0;
  var connectedOnce = false;
  var reconnectTimer = null;
  var pollTimer = null;
  var heartbeatTimer = null;
  var refreshTimer = null;
  var watching = null;  // {id, seq}
  var presence = {};    // agent_id -> {name, until}
  var typing = {};      // "agent:<id>" | "customer" -> {name, who, until}
  var typingSentAt = 0;
  var typingOffTimer = null;
  var composerTouched = false;  // typed into since the composer was rendered
  var VIEWING_EVERY_MS = 20000;
  var VIEWING_TTL_MS = 50000;
  var TYPING_TTL_MS = 8000;
  var POLL_EVERY_MS = 30000;

  function text(name) { return statusEl.getAttribute("data-text-" + name) || ""; }
  function fill(template, name) { return template.replace("%(name)s", name); }

  function setStatus(state) {
    statusEl.hidden = false;
    statusEl.setAttribute("data-state", state);
    statusEl.textContent = text(state);
  }

  function page() {
    var article = document.querySelector("[data-live-conversation]");
    return {
      article: article,
      list: document.querySelector("[data-conversation-list]"),
    };
  }

  function conversationId() {
    var article = page().article;
    return article ? parseInt(article.getAttribute("data-live-conversation"), 10) : null;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function watchCurrent() {
    var id = conversationId();
    if (!id) {
      if (watching) send({ type: "unwatch" });
      watching = null;
      presence = {};
      typing = {};
      return;
    }
    var article = page().article;
    var seq = parseInt(article.getAttribute("data-live-seq"), 10) || 0;
    if (watching && watching.id === id) seq = Math.max(seq, watching.seq);
    if (!watching || watching.id !== id) { presence = {}; typing = {}; }
    watching = { id: id, seq: seq };
    send({ type: "watch", conversation_id: id, last_seq: seq });
    renderPresence();
  }

  function connect() {
    clearTimeout(reconnectTimer);
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + "/ws/agent/live/");
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket.onopen = function () {
      var wasDropped = connectedOnce;
      attempts = 0;
      connectedOnce = true;
      setStatus("live");
      stopPolling();
      watchCurrent();
      // Whatever happened to the list while the socket was down: fetch it once.
      if (wasDropped && page().list) scheduleRefresh();
    };
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      handle(frame);
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401) { setStatus("offline"); startPolling(); return; }
      scheduleReconnect();
    };
    socket.onerror = function () { /* onclose follows */ };
  }

  function scheduleReconnect() {
    attempts += 1;
    setStatus(connectedOnce ? "reconnecting" : "offline");
    startPolling();
    // 1 s, 2 s, 4 s ... up to 30 s, with jitter so that a restarted server is not stampeded.
    var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(attempts - 1, 5)));
    delay = delay / 2 + Math.random() * delay / 2;
    reconnectTimer = setTimeout(connect, delay);
  }

  // Without a socket the page still moves on: a slow poll of the same HTML.
  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(function () { if (!document.hidden) refresh(); }, POLL_EVERY_MS);
  }
  function stopPolling() { clearInterval(pollTimer); pollTimer = null; }

  function handle(frame) {
    var id = conversationId();
    switch (frame.type) {
      case "event":
        if (watching && frame.conversation_id === watching.id) {
          if (frame.seq <= watching.seq) return;  // seen already (replay and live overlap)
          watching.seq = frame.seq;
          var article = page().article;
          if (article) article.setAttribute("data-live-seq", String(frame.seq));
          if (frame.kind === "message" || frame.kind === "note") warnIfOthers(frame);
          scheduleRefresh();
        } else if (page().list) {
          scheduleRefresh();
        }
        document.dispatchEvent(new CustomEvent("carefront:live-event", { detail: frame }));
        break;
      case "reload":
        if (frame.conversation_id === id) scheduleRefresh();
        break;
      case "presence":
        if (frame.conversation_id !== id) return;
        if (frame.state === "left") {
          delete presence[frame.agent_id];
          delete typing["agent:" + frame.agent_id];
        } else {
          presence[frame.agent_id] = { name: frame.name, until: Date.now() + VIEWING_TTL_MS };
        }
        renderPresence();
        break;
      case "typing":
        if (frame.conversation_id !== id) return;
        var key = frame.who === "agent" ? "agent:" + frame.agent_id : "customer";
        if (frame.on) typing[key] = { name: frame.name, who: frame.who, until: Date.now() + TYPING_TTL_MS };
        else delete typing[key];
        renderPresence();
        break;
      case "notice":
        document.dispatchEvent(new CustomEvent("carefront:live-notice", { detail: frame }));
        break;
      default:
        break;
    }
  }

  // The traffic cop, live: the server will hold the send anyway; say so at once.
  function warnIfOthers(frame) {
    var data = frame.data || {};
    var article = page().article;
    var me = article ? parseInt(article.getAttribute("data-agent-id"), 10) : null;
    if (data.author_id && data.author_id === me) return;
    var field = document.querySelector("[data-if-last-message-id]");
    var seen = field ? parseInt(field.value, 10) || 0 : 0;
    if (!data.message_id || data.message_id <= seen) return;
    if (!composerTouched) {
      // Nothing written yet: the agent writes after it, as it appears on the page now.
      document.querySelectorAll("[data-if-last-message-id]").forEach(function (input) {
        input.value = String(data.message_id);
      });
      return;
    }
    var warning = document.querySelector("[data-live-collision]");
    if (!warning || !article) return;
    var template = data.direction === "incoming"
      ? article.getAttribute("data-text-customer-wrote")
      : frame.kind === "note"
        ? article.getAttribute("data-text-agent-noted")
        : article.getAttribute("data-text-agent-replied");
    warning.textContent = fill(template || "", data.author || "");
    warning.hidden = false;
  }

  function renderPresence() {
    var box = document.querySelector("[data-presence]");
    var article = page().article;
    if (!box || !article) return;
    var now = Date.now();
    var parts = [];
    Object.keys(typing).forEach(function (key) {
      var entry = typing[key];
      if (entry.until < now) { delete typing[key]; return; }
      var template = entry.who === "agent"
        ? article.getAttribute("data-text-typing")
        : article.getAttribute("data-text-customer-typing");
      parts.push(fill(template || "", entry.name || ""));
    });
    Object.keys(presence).forEach(function (agentId) {
      var entry = presence[agentId];
      if (entry.until < now) { delete presence[agentId]; return; }
      if (typing["agent:" + agentId]) return;
      parts.push(fill(article.getAttribute("data-text-viewing") || "", entry.name));
    });
    var line = parts.join(" · ");
    if (box.textContent !== line) box.textContent = line;
    box.hidden = !line;
  }

  // Fetch the page again and swap only what changes by itself: the timeline and the header
  // facts of a conversation, or the list and the folder counts of the inbox. The composer and
  // the filters stay as the agent left them.
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 300);
  }

  function refresh() {
    var current = page();
    if (!current.article && !current.list) return;
    var url = location.href.split("#")[0];
    fetch(url, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (current.article) {
          swap(doc, "ol.timeline");
          swap(doc, ".conversation-facts");
        } else if (current.list) {
          var ticked = Array.prototype.map.call(
            document.querySelectorAll("[data-conversation-list] input[type=checkbox]:checked"),
            function (box) { return box.value; });
          swap(doc, "[data-conversation-list]");
          swap(doc, "nav.folders");
          ticked.forEach(function (value) {
            var box = document.querySelector(
              "[data-conversation-list] input[type=checkbox][value='" + CSS.escape(value) + "']");
            if (box) box.checked = true;
          });
        }
        if (window.htmx) window.htmx.process(document.querySelector("#main"));
      })
      .catch(function () { /* the next event or poll tries again */ });
  }

  function swap(doc, selector) {
    var fresh = doc.querySelector(selector);
    var old = document.querySelector(selector);
    if (fresh && old) old.replaceWith(document.importNode(fresh, true));
  }

  // Typing in the composer: "on" at most every 3 s while typing, "off" after 5 s idle.
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target || (target.id !== "reply-body" && target.id !== "note-body")) return;
    composerTouched = true;
    var now = Date.now();
    if (now - typingSentAt > 3000) { send({ type: "typing", on: true }); typingSentAt = now; }
    clearTimeout(typingOffTimer);
    typingOffTimer = setTimeout(function () {
      send({ type: "typing", on: false });
      typingSentAt = 0;
    }, 5000);
  });

  // Every 5 s: expire what went quiet; every 20 s: "still viewing".
  var beats = 0;
  heartbeatTimer = setInterval(function () {
    beats += 1;
    if (watching && beats % 4 === 0 && !document.hidden) send({ type: "viewing" });
    renderPresence();
  }, VIEWING_EVERY_MS / 4);

  // htmx swaps #main (a reply sent, a filter changed): watch what the page now shows.
  document.addEventListener("htmx:afterSettle", function () {
    composerTouched = false;
    if (socket && socket.readyState === WebSocket.OPEN) watchCurrent();
  });

  // For other scripts and tests: drop the connection (it comes back by itself).
  window.CarefrontLive = {
    drop: function () { if (socket) socket.close(); },
  };

  connect();
})();
