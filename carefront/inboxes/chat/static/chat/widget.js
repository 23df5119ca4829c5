/* Carefront chat widget: one <script> on any website (docs/chat.md, "Widget").

     <script src="https://CAREFRONT/static/chat/widget.js" data-carefront-chat="KEY" async></script>

   Vanilla JS, no build step. Everything lives in a shadow root, so the host page's styles do not
   reach it and ours do not leak out. Every text from the visitor, an agent or the server is set
   with textContent (never innerHTML). The protocol is /work/coord/chat-protocol.md, summarised in
   docs/chat.md: HTTP for config, session and fallbacks; a WebSocket for live events, which are
   numbered per conversation, so a reconnecting widget resumes after the last number it saw and
   misses nothing. Messages typed while offline wait in an outbox (kept in localStorage) and are
   resent with the same client_id, which the server uses to store each message once. */
(function () {
  "use strict";

  var script =
    document.currentScript || document.querySelector("script[data-carefront-chat]");
  if (!script) return;
  var KEY = script.getAttribute("data-carefront-chat");
  if (!KEY) return;
  var HOST_ID = "carefront-chat-" + KEY.replace(/[^A-Za-z0-9_-]/g, "");
  if (document.getElementById(HOST_ID)) return; // the snippet was pasted twice

  var BASE = (
    script.getAttribute("data-carefront-base") ||
    new URL(script.src, location.href).href.replace(/\/static\/chat\/widget(\.min)?\.js([?#].*)?$/, "")
  ).replace(/\/+$/, "");
  var API = BASE + "/chat/" + encodeURIComponent(KEY);
  var STORE_KEY = "carefront-chat:" + KEY;
  var OPTIONS = window.CarefrontChat && typeof window.CarefrontChat === "object" ? window.CarefrontChat : {};

  // English fallbacks; the server sends the same keys translated into the inbox's language.
  var STRINGS = {
    open: "Chat with us",
    close: "Close the chat",
    title: "Chat with us",
    conversation: "Conversation",
    message_label: "Message",
    placeholder: "Write a message…",
    send: "Send",
    attach: "Attach a file",
    you: "You",
    support: "Support",
    sending: "Sending…",
    not_sent: "Not sent yet: it will be sent when the connection is back.",
    uploading: "Uploading…",
    upload_failed: "The upload failed.",
    retry: "Retry",
    seen: "Seen",
    connecting: "Connecting…",
    reconnecting: "Reconnecting…",
    connection_offline: "You are offline. Messages will be sent when you are back online.",
    polling: "Live updates are slow on this connection.",
    typing: "%(name)s is typing…",
    agent_joined: "%(name)s joined the chat.",
    queue: "You are number %(position)s in the queue.",
    queue_waiting: "Waiting for the next available person…",
    unavailable: "Nobody is available right now.",
    continue_by_email: "Leave your email and we will answer you there",
    offline: "Nobody is available right now. Leave your email and we will answer you there.",
    email_label: "Your email",
    email_text_label: "Your message",
    email_send: "Continue by email",
    email_sent: "Thank you. We will answer you by email.",
    back_to_chat: "Back to the chat",
    prechat_intro: "Before we start, please tell us a little about you.",
    start: "Start the chat",
    optional: "optional",
    field_required: "Please fill in: %(label)s",
    invalid_email: "Please enter a valid email address.",
    too_long: "This message is too long.",
    too_large: "This file is larger than %(size)s.",
    identity_required: "Please sign in to chat with us.",
    origin_refused: "The chat is not available on this website.",
    error: "Something went wrong. Please try again.",
    new_message: "New message from %(name)s: %(text)s",
    unread: "%(count)s unread",
    earlier_hidden: "Earlier messages are not shown.",
  };

  // ---------------------------------------------------------------- state and storage

  var config = null;
  var strings = STRINGS;
  var session = null; // {visitor_token, conversation_id, name, email, verified}
  var stored = load();
  var lastSeq = 0; // the highest event number applied
  var messages = {}; // message_id -> {el, seq, direction}
  var pending = {}; // client_id -> {el, item}
  var agentSeen = 0; // highest seq the team has read
  var readSent = stored.readSeq || 0; // highest agent message seq the visitor has seen
  var socket = null;
  var mode = "idle"; // idle | connecting | live | reconnecting | offline | polling | closed
  var failures = 0;
  var reconnectTimer = null;
  var pollTimer = null;
  var ackTimer = null;
  var typingTimer = null;
  var typingOn = false;
  var agentTypingTimer = null;
  var isOpen = false;
  var replaying = true; // the first batch after (re)connecting is history, not news
  var fatal = false;
  var sessionPromise = null;

  function load() {
    try {
      var value = JSON.parse(localStorage.getItem(STORE_KEY) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (e) {
      return {};
    }
  }

  function save() {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(stored));
    } catch (e) {
      /* private mode or full: the widget still works for this page view */
    }
  }

  function outbox() {
    if (!Array.isArray(stored.outbox)) stored.outbox = [];
    return stored.outbox;
  }

  function t(key, values) {
    var text = (strings && typeof strings[key] === "string" && strings[key]) || STRINGS[key] || key;
    if (values) {
      // The server's translations use Python's %(name)s.
      text = text.replace(/%\((\w+)\)s/g, function (match, name) {
        return name in values ? String(values[name]) : match;
      });
    }
    return text;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function formatBytes(bytes) {
    if (bytes >= 1048576) return Math.round(bytes / 104857.6) / 10 + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " B";
  }

  // ---------------------------------------------------------------- DOM (no innerHTML anywhere)

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "text") node.textContent = value;
        else if (name === "className") node.className = value;
        else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
        else node.setAttribute(name, value === true ? "" : value);
      });
    }
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function icon(path) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    svg.appendChild(p);
    return svg;
  }

  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  var ICON_ATTACH = "M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.7-5.7l-7.8 7.8a6 6 0 0 0 8.5 8.5l6.4-6.4";
  var ICON_SEND = "M3 20l18-8L3 4v6l12 2-12 2z";

  var CSS =
    ":host{all:initial}:host([hidden]){display:none}" +
    "*{box-sizing:border-box}" +
    ".root{all:initial;position:fixed;bottom:20px;right:20px;z-index:2147483000;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1c2230}" +
    ".root.left{right:auto;left:20px}" +
    "[hidden]{display:none!important}" +
    "button,input,textarea{font:inherit;color:inherit}" +
    ".launcher{width:56px;height:56px;border-radius:50%;border:0;background:var(--accent);color:var(--on-accent);cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;position:relative}" +
    ".launcher svg{width:28px;height:28px;fill:currentColor}" +
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;border-radius:11px;background:#c62828;color:#fff;font-size:12px;font-weight:700;display:flex;align-items:center;justify-content:center;padding:0 6px}" +
    ".panel{position:absolute;bottom:72px;right:0;width:370px;height:min(600px,calc(100vh - 110px));background:#fff;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden}" +
    ".left .panel{right:auto;left:0}" +
    "header{background:var(--accent);color:var(--on-accent);padding:14px 48px 12px 16px;position:relative}" +
    "h2{margin:0;font-size:17px;font-weight:650}" +
    ".reply-time{margin:2px 0 0;font-size:13px;opacity:.92}" +
    ".close{position:absolute;top:8px;right:8px;width:36px;height:36px;border:0;border-radius:50%;background:transparent;color:inherit;cursor:pointer;display:flex;align-items:center;justify-content:center}" +
    ".close svg{width:20px;height:20px;stroke:currentColor;stroke-width:2.4;fill:none}" +
    ".close:hover{background:rgba(255,255,255,.18)}" +
    ":focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".conn{margin:0;padding:6px 16px;background:#fff4d6;color:#5c4400;font-size:13px}" +
    ".log{flex:1;overflow-y:auto;padding:12px 14px;background:#f6f7f9}" +
    ".msgs{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}" +
    ".msg{max-width:82%;align-self:flex-start}" +
    ".msg.mine{align-self:flex-end}" +
    ".bubble{padding:8px 12px;border-radius:14px;background:#fff;border:1px solid #e1e4ea;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".mine .bubble{background:var(--accent);color:var(--on-accent);border-color:transparent}" +
    ".who{font-size:12px;color:#555d6e;margin:0 4px 2px}" +
    ".meta{font-size:12px;color:#555d6e;margin:2px 4px 0}" +
    ".mine .meta{text-align:right}" +
    ".msg.failed .meta{color:#b3261e}" +
    ".files{margin:6px 0 0;padding:0;list-style:none}" +
    ".files a{color:inherit}" +
    ".system{align-self:center;max-width:100%;font-size:13px;color:#555d6e;text-align:center}" +
    ".greeting{align-self:flex-start}" +
    ".typing,.queue{margin:0;padding:4px 16px;font-size:13px;color:#555d6e;background:#f6f7f9}" +
    ".queue button,.linkish{border:0;background:none;padding:0;color:#1a4fb4;text-decoration:underline;cursor:pointer;font-size:13px}" +
    "form{margin:0}" +
    ".composer{display:flex;align-items:flex-end;gap:6px;padding:8px;border-top:1px solid #e1e4ea}" +
    ".composer textarea{flex:1;resize:none;min-height:40px;max-height:120px;padding:9px 10px;border:1px solid #b9bfcc;border-radius:8px}" +
    ".icon-btn{width:40px;height:40px;flex:none;border:0;border-radius:8px;cursor:pointer;display:flex;align-items:center;justify-content:center;background:#eef0f4;color:#1c2230}" +
    ".icon-btn svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2}" +
    ".send{background:var(--accent);color:var(--on-accent)}" +
    ".send svg{fill:currentColor;stroke:none}" +
    ".sheet{padding:14px 16px;border-top:1px solid #e1e4ea;display:flex;flex-direction:column;gap:10px;overflow-y:auto}" +
    ".sheet p{margin:0}" +
    ".sheet label{display:flex;flex-direction:column;gap:4px;font-size:14px;font-weight:600}" +
    ".sheet label small{font-weight:400;color:#555d6e}" +
    ".sheet input,.sheet textarea{padding:8px 10px;border:1px solid #b9bfcc;border-radius:8px;font-weight:400}" +
    ".primary{padding:10px 14px;border:0;border-radius:8px;background:var(--accent);color:var(--on-accent);font-weight:600;cursor:pointer}" +
    ".error{margin:0;padding:6px 16px;color:#b3261e;font-size:13px}" +
    ".sheet .error{padding:0}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (max-width:480px){.root.open{inset:0}.open .launcher{display:none}" +
    ".panel{position:fixed;inset:0;width:100%;height:100%;border-radius:0}}" +
    "@media (prefers-reduced-motion:no-preference){.panel{animation:pop .16s ease-out}}" +
    "@keyframes pop{from{opacity:0;transform:translateY(8px)}}";

  // Hidden until the config has come: no button that does nothing, nothing at all on a site
  // that may not use this chat.
  var host = el("div", { id: HOST_ID, hidden: true });
  var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  try {
    // A constructed style sheet is not an inline <style>, so a strict host CSP does not block it.
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } catch (e) {
    shadow.appendChild(el("style", { text: CSS }));
  }

  var ui = {};
  ui.badge = el("span", { className: "badge", hidden: true, "aria-hidden": "true" });
  ui.launcher = el(
    "button",
    { type: "button", className: "launcher", "aria-expanded": "false", "aria-controls": "cf-panel" },
    [icon(ICON_CHAT), ui.badge]
  );
  ui.title = el("h2", { id: "cf-title" });
  ui.replyTime = el("p", { className: "reply-time", hidden: true });
  ui.close = el("button", { type: "button", className: "close" }, [icon(ICON_CLOSE)]);
  ui.conn = el("p", { className: "conn", role: "status", hidden: true });
  ui.msgs = el("ol", { className: "msgs" });
  ui.log = el("div", { className: "log", role: "log", "aria-live": "polite", tabindex: "0" }, [ui.msgs]);
  ui.typing = el("p", { className: "typing", hidden: true });
  ui.queue = el("p", { className: "queue", role: "status", hidden: true });
  ui.error = el("p", { className: "error", role: "alert", hidden: true });
  ui.prechat = el("form", { className: "sheet", hidden: true, novalidate: true });
  ui.email = el("form", { className: "sheet", hidden: true, novalidate: true });
  ui.text = el("textarea", { id: "cf-text", rows: "1" });
  ui.file = el("input", { type: "file", hidden: true, tabindex: "-1" });
  ui.attach = el("button", { type: "button", className: "icon-btn" }, [icon(ICON_ATTACH)]);
  ui.send = el("button", { type: "submit", className: "icon-btn send" }, [icon(ICON_SEND)]);
  ui.composer = el("form", { className: "composer", hidden: true }, [ui.attach, ui.file, ui.text, ui.send]);
  ui.panel = el(
    "div",
    { id: "cf-panel", className: "panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "cf-title", hidden: true },
    [
      el("header", null, [ui.title, ui.replyTime, ui.close]),
      ui.conn,
      ui.log,
      ui.typing,
      ui.queue,
      ui.error,
      ui.prechat,
      ui.email,
      ui.composer,
    ]
  );
  ui.announce = el("p", { className: "sr", "aria-live": "polite" });
  ui.root = el("div", { className: "root" + (OPTIONS.position === "left" ? " left" : "") }, [
    ui.panel,
    ui.launcher,
    ui.announce,
  ]);
  shadow.appendChild(ui.root);

  function setAccent(color) {
    var accent = /^#[0-9a-fA-F]{6}$/.test(color || "") ? color : "#1f5fd1";
    var r = parseInt(accent.slice(1, 3), 16),
      g = parseInt(accent.slice(3, 5), 16),
      b = parseInt(accent.slice(5, 7), 16);
    var light = 0.2126 * r + 0.7152 * g + 0.0722 * b > 160;
    host.style.setProperty("--accent", accent);
    host.style.setProperty("--on-accent", light ? "#111" : "#fff");
  }

  function applyStrings() {
    ui.launcher.setAttribute("aria-label", t(isOpen ? "close" : "open"));
    ui.close.setAttribute("aria-label", t("close"));
    ui.title.textContent = (config && config.title) || t("title");
    ui.log.setAttribute("aria-label", t("conversation"));
    ui.text.setAttribute("aria-label", t("message_label"));
    ui.text.setAttribute("placeholder", t("placeholder"));
    ui.attach.setAttribute("aria-label", t("attach"));
    ui.attach.title = t("attach");
    ui.send.setAttribute("aria-label", t("send"));
    ui.send.title = t("send");
  }

  setAccent(null);
  applyStrings();

  // ---------------------------------------------------------------- HTTP

  function request(method, path, body) {
    var init = { method: method, mode: "cors", credentials: "omit", headers: {} };
    if (body instanceof FormData) init.body = body;
    else if (body) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    return fetch(API + path, init).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (response.ok) return data;
          var error = new Error((data.error && data.error.message) || t("error"));
          error.code = (data.error && data.error.code) || "http_" + response.status;
          error.status = response.status;
          throw error;
        });
    });
  }

  function token() {
    return session ? session.visitor_token : stored.token || null;
  }

  function startSession() {
    if (sessionPromise) return sessionPromise;
    sessionPromise = request("POST", "/session", {
      visitor_token: stored.token || null,
      user: OPTIONS.user && typeof OPTIONS.user === "object" ? OPTIONS.user : null,
    })
      .then(function (data) {
        session = data;
        if (stored.token !== data.visitor_token) {
          stored.token = data.visitor_token;
          save();
        }
        return data;
      })
      .catch(function (error) {
        sessionPromise = null;
        if (error.code === "identity_required") showFatal(t("identity_required"));
        else if (error.status === 403) showFatal(error.message || t("origin_refused"));
        throw error;
      });
    return sessionPromise;
  }

  function forgetSession() {
    // The server no longer knows the token (e.g. a new secret): start as a new visitor.
    delete stored.token;
    save();
    session = null;
    sessionPromise = null;
  }

  // ---------------------------------------------------------------- the conversation view

  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function systemLine(text, seq) {
    var node = el("li", { className: "system", text: text });
    if (seq) place(node, seq);
    else ui.msgs.appendChild(node);
    scrollDown();
  }

  function timeText(iso) {
    var date = iso ? new Date(iso) : new Date();
    if (isNaN(date)) return "";
    try {
      return date.toLocaleTimeString((config && config.language) || undefined, { hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return date.toLocaleTimeString();
    }
  }

  function safeUrl(url) {
    if (!url || typeof url !== "string") return null;
    try {
      var parsed = new URL(url, BASE + "/");
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function messageElement(mine, author, text, attachments, when) {
    var files = null;
    if (attachments && attachments.length) {
      files = el(
        "ul",
        { className: "files" },
        attachments.map(function (file) {
          var href = safeUrl(file.url);
          var label = String(file.name || "file") + (file.size ? " (" + formatBytes(file.size) + ")" : "");
          return el("li", null, [
            href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: label }) : label,
          ]);
        })
      );
    }
    var meta = el("p", { className: "meta" }, [el("time", { text: timeText(when) })]);
    var status = el("span", { className: "status" });
    meta.appendChild(status);
    var node = el("li", { className: "msg" + (mine ? " mine" : "") }, [
      el("p", { className: mine ? "sr" : "who", text: mine ? t("you") + ":" : author || t("support") }),
      el("div", { className: "bubble" }, [text ? String(text) : null, files]),
      meta,
    ]);
    node._status = status;
    return node;
  }

  function setStatus(node, text) {
    node._status.textContent = text ? " · " + text : "";
  }

  function showMessage(event) {
    var data = event.data || {};
    var id = data.message_id;
    var mine = data.direction === "in" || data.direction === "incoming";
    var existing = messages[id];
    var placeholder = findPending(id);
    var node = messageElement(mine, data.author, data.text, data.attachments, data.created_at);
    if (existing && existing.el.parentNode) existing.el.remove();
    if (placeholder) {
      placeholder.el.remove();
      delete pending[placeholder.item.client_id];
    }
    place(node, event.seq);
    messages[id] = { el: node, seq: event.seq, mine: mine };
    if (!mine) {
      if (!isOpen && event.seq > readSent) updateBadge();
      if (!replaying) {
        ui.typing.hidden = true;
        if (!isOpen) ui.announce.textContent = t("new_message", { name: data.author || t("support"), text: data.text || "" });
      }
      sendRead();
    }
    updateSeen();
    scrollDown();
  }

  function place(node, seq) {
    // In the conversation's order (the server's numbers), whatever order frames arrived in;
    // messages still unconfirmed stay at the end.
    node.setAttribute("data-seq", String(seq));
    var items = ui.msgs.children;
    for (var i = 0; i < items.length; i++) {
      var other = items[i].getAttribute("data-seq");
      if ((other && Number(other) > seq) || (!other && items[i].classList.contains("mine"))) {
        ui.msgs.insertBefore(node, items[i]);
        return;
      }
    }
    ui.msgs.appendChild(node);
  }

  function findPending(messageId) {
    for (var clientId in pending) {
      if (pending[clientId].messageId === messageId) return pending[clientId];
    }
    return null;
  }

  function updateSeen() {
    // "Seen" under the visitor's last message the team has read, and nowhere else.
    var best = null;
    Object.keys(messages).forEach(function (id) {
      var m = messages[id];
      if (m.mine) {
        setStatus(m.el, "");
        if (m.seq <= agentSeen && (!best || m.seq > best.seq)) best = m;
      }
    });
    if (best) setStatus(best.el, t("seen"));
  }

  function updateBadge() {
    var count = 0;
    Object.keys(messages).forEach(function (id) {
      if (!messages[id].mine && messages[id].seq > readSent) count++;
    });
    ui.badge.textContent = count > 9 ? "9+" : String(count);
    ui.badge.hidden = isOpen || count === 0;
    var label = t(isOpen ? "close" : "open");
    ui.launcher.setAttribute("aria-label", !isOpen && count ? label + " (" + t("unread", { count: count }) + ")" : label);
  }

  function handleEvent(event) {
    if (typeof event.seq !== "number" || event.seq <= lastSeq) return; // already applied
    lastSeq = event.seq;
    var data = event.data || {};
    if (event.kind === "message") showMessage(event);
    else if (event.kind === "read") {
      if (data.who !== "customer" && data.by !== "customer" && typeof data.seq === "number") {
        agentSeen = Math.max(agentSeen, data.seq);
        updateSeen();
      }
    } else if (event.kind === "agent_joined") {
      ui.queue.hidden = true;
      systemLine(t("agent_joined", { name: data.name || data.author || t("support") }), event.seq);
    } else if (event.kind === "queue") showQueue(data);
  }

  function showQueue(data) {
    ui.queue.textContent = "";
    if (data.available === false) {
      ui.queue.appendChild(document.createTextNode(t("unavailable") + " "));
      ui.queue.appendChild(el("button", { type: "button", text: t("continue_by_email"), onclick: showEmailForm }));
    } else if (typeof data.position === "number" && data.position > 0) {
      ui.queue.textContent = t("queue", { position: data.position });
    } else if (data.position === 0) {
      ui.queue.textContent = t("queue_waiting");
    }
    ui.queue.hidden = !ui.queue.firstChild;
  }

  function showError(text) {
    ui.error.textContent = text || "";
    ui.error.hidden = !text;
  }

  function showFatal(text) {
    fatal = true;
    closeSocket();
    stopPolling();
    setConn("closed");
    showError(text);
    ui.composer.hidden = true;
    ui.prechat.hidden = true;
    ui.email.hidden = true;
  }

  // ---------------------------------------------------------------- sending

  function pendingElement(item) {
    var node = messageElement(true, null, item.text, item.file ? [{ name: item.file.name, size: item.file.size }] : null, item.created);
    pending[item.client_id] = { el: node, item: item, messageId: null };
    setStatus(node, item.file ? t("uploading") : mode === "live" ? t("sending") : t("not_sent"));
    ui.msgs.appendChild(node);
    scrollDown();
    return node;
  }

  function confirmSent(clientId, ack) {
    var list = outbox();
    for (var i = 0; i < list.length; i++) {
      if (list[i].client_id === clientId) {
        list.splice(i, 1);
        save();
        break;
      }
    }
    if (ack.conversation_id && session && !session.conversation_id) session.conversation_id = ack.conversation_id;
    if (typeof ack.seq === "number" && ack.seq > lastSeq) catchUpLater(ack.seq);
    var entry = pending[clientId];
    if (!entry) return;
    if (messages[ack.message_id]) {
      // The message event came first: it is already shown.
      entry.el.remove();
      delete pending[clientId];
      return;
    }
    entry.messageId = ack.message_id;
    messages[ack.message_id] = { el: entry.el, seq: ack.seq, mine: true };
    setStatus(entry.el, "");
    entry.el.remove();
    place(entry.el, ack.seq);
    updateSeen();
  }

  function sendText(text) {
    text = text.replace(/\s+$/, "");
    if (!text.trim()) return false;
    var max = config && config.max_message_chars;
    if (max && text.length > max) {
      showError(t("too_long"));
      return false;
    }
    showError("");
    var item = { client_id: uuid(), text: text, created: new Date().toISOString() };
    if (!session || !session.conversation_id) {
      if (stored.prechat) item.prechat = stored.prechat;
    }
    outbox().push(item);
    save();
    pendingElement(item);
    setTyping(false);
    flushOutbox();
    return true;
  }

  var httpInFlight = {};

  function flushOutbox() {
    if (fatal) return;
    var list = outbox();
    if (!list.length) return;
    if (socket && socket.readyState === 1 && mode === "live") {
      list.forEach(function (item) {
        var frame = { type: "message", text: item.text, client_id: item.client_id };
        if (item.prechat) frame.prechat = item.prechat;
        socket.send(JSON.stringify(frame));
      });
      // No ack in time: the socket is probably dead although not closed yet; start over.
      clearTimeout(ackTimer);
      ackTimer = setTimeout(function () {
        if (outbox().length && socket) socket.close(4000, "no ack");
      }, 10000);
      return;
    }
    if (navigator.onLine === false) return;
    startSession()
      .then(function () {
        list.slice().forEach(function (item) {
          if (httpInFlight[item.client_id]) return;
          httpInFlight[item.client_id] = true;
          var body = { visitor_token: token(), text: item.text, client_id: item.client_id };
          if (item.prechat) body.prechat = item.prechat;
          request("POST", "/messages", body)
            .then(function (ack) {
              confirmSent(item.client_id, ack);
              if (!socket && mode !== "polling") connect();
              else poll();
            })
            .catch(function (error) {
              if (error.status && error.status < 500 && error.status !== 429 && error.status !== 408) {
                dropItem(item, error.message);
              }
            })
            .then(function () {
              delete httpInFlight[item.client_id];
            });
        });
      })
      .catch(function () {});
  }

  function findOutboxItem(clientId) {
    var list = outbox();
    for (var i = 0; i < list.length; i++) if (list[i].client_id === clientId) return list[i];
    return null;
  }

  function dropItem(item, message) {
    // Refused for good (too long, blocked...): keep the text visible, marked, never retried.
    var list = outbox();
    var index = list.indexOf(item);
    if (index >= 0) list.splice(index, 1);
    save();
    var entry = pending[item.client_id];
    if (entry) {
      entry.el.classList.add("failed");
      setStatus(entry.el, message || t("error"));
    }
    showError(message || t("error"));
  }

  function markUnsent() {
    outbox().forEach(function (item) {
      var entry = pending[item.client_id];
      if (entry) setStatus(entry.el, t("not_sent"));
    });
  }

  function upload(file) {
    var max = config && config.max_upload_bytes;
    if (max && file.size > max) {
      showError(t("too_large", { size: formatBytes(max) }));
      return;
    }
    showError("");
    var item = { client_id: uuid(), text: "", file: file, created: new Date().toISOString() };
    var node = pendingElement(item);
    var attempt = function () {
      startSession()
        .then(function () {
          var form = new FormData();
          form.append("visitor_token", token());
          form.append("client_id", item.client_id);
          form.append("file", file, file.name);
          return request("POST", "/upload", form);
        })
        .then(function (ack) {
          confirmSent(item.client_id, ack);
          if (!socket) connect();
        })
        .catch(function (error) {
          node.classList.add("failed");
          setStatus(node, error.status ? error.message : t("upload_failed"));
          var again = el("button", {
            type: "button",
            className: "linkish",
            text: t("retry"),
            onclick: function () {
              again.remove();
              node.classList.remove("failed");
              setStatus(node, t("uploading"));
              attempt();
            },
          });
          if (!error.status || error.status >= 500 || error.status === 429) node.appendChild(again);
        });
    };
    attempt();
  }

  function sendFrame(frame) {
    if (socket && socket.readyState === 1 && mode === "live") socket.send(JSON.stringify(frame));
  }

  function setTyping(on) {
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(setTyping, 4000, false);
    if (on === typingOn) return;
    typingOn = on;
    sendFrame({ type: "typing", on: on });
  }

  function sendRead() {
    if (!isOpen || document.visibilityState === "hidden") return;
    var highest = readSent;
    Object.keys(messages).forEach(function (id) {
      if (!messages[id].mine && messages[id].seq > highest) highest = messages[id].seq;
    });
    if (highest > readSent || (highest && stored.readSent !== highest)) {
      readSent = highest;
      stored.readSeq = highest;
      save();
      sendFrame({ type: "read", seq: highest });
      if (mode === "live") {
        stored.readSent = highest;
        save();
      }
    }
    updateBadge();
  }

  // ---------------------------------------------------------------- connection

  function setConn(next) {
    mode = next;
    var text = { connecting: "connecting", reconnecting: "reconnecting", offline: "connection_offline", polling: "polling" }[next];
    ui.conn.textContent = text ? t(text) : "";
    ui.conn.hidden = !text || (next === "connecting" && !outbox().length);
    ui.root.setAttribute("data-state", next);
    if (next !== "live") markUnsent();
  }

  function backoff() {
    // 1 s, 2 s, 4 s ... 30 s, with jitter so that a restarted server is not hit all at once.
    var delay = Math.min(30000, 1000 * Math.pow(2, Math.max(0, failures - 1)));
    return delay / 2 + Math.random() * (delay / 2);
  }

  function closeSocket() {
    if (socket) {
      var old = socket;
      socket = null;
      old.onclose = old.onmessage = old.onerror = old.onopen = null;
      try {
        old.close();
      } catch (e) {
        /* already closed */
      }
    }
  }

  function connect() {
    if (fatal) return;
    clearTimeout(reconnectTimer);
    if (socket) return;
    if (navigator.onLine === false) {
      setConn("offline");
      return;
    }
    if (!window.WebSocket) {
      startPolling();
      return;
    }
    if (mode !== "polling") setConn(failures ? "reconnecting" : "connecting");
    startSession()
      .then(function () {
        if (socket || fatal) return;
        var url =
          BASE.replace(/^http/, "ws") + "/ws/chat/" + encodeURIComponent(KEY) + "/?visitor_token=" + encodeURIComponent(token());
        var ws;
        try {
          ws = new WebSocket(url);
        } catch (e) {
          socketFailed(false, 0);
          return;
        }
        var opened = false;
        socket = ws;
        ws.onopen = function () {
          opened = true;
          failures = 0;
          replaying = true;
          ws.send(JSON.stringify({ type: "resume", last_seq: lastSeq }));
          stopPolling();
          setConn("live");
          flushOutbox();
          if (typingOn) sendFrame({ type: "typing", on: true });
          stored.readSent = 0; // resend the read receipt on this connection
          sendRead();
          // What the server replays arrives right after the resume; later frames are news.
          setTimeout(function () {
            replaying = false;
          }, 1500);
        };
        ws.onmessage = function (message) {
          var frame;
          try {
            frame = JSON.parse(message.data);
          } catch (e) {
            return;
          }
          onFrame(frame);
        };
        ws.onclose = function (close) {
          if (socket !== ws) return;
          socket = null;
          clearTimeout(ackTimer);
          if (close.code === 4401) forgetSession();
          if (close.code === 4403) {
            showFatal(t("origin_refused"));
            return;
          }
          socketFailed(opened, close.code);
        };
      })
      .catch(function (error) {
        failures++;
        if (fatal) return;
        setConn(navigator.onLine === false ? "offline" : "reconnecting");
        reconnectTimer = setTimeout(connect, backoff());
        return error;
      });
  }

  function socketFailed(opened, code) {
    failures++;
    if (code === 4429) failures = Math.max(failures, 5);
    // A socket that never opens (a proxy without WebSocket upgrade): poll over HTTP meanwhile.
    if (!opened && failures >= 3) startPolling();
    if (mode !== "polling") setConn(navigator.onLine === false ? "offline" : "reconnecting");
    else flushOutbox();
    reconnectTimer = setTimeout(connect, backoff());
  }

  function onFrame(frame) {
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "event") handleEvent(frame);
    else if (frame.type === "ack") {
      confirmSent(frame.client_id, frame);
      if (!outbox().length) clearTimeout(ackTimer);
    } else if (frame.type === "typing") {
      clearTimeout(agentTypingTimer);
      ui.typing.textContent = frame.on ? t("typing", { name: frame.name || t("support") }) : "";
      ui.typing.hidden = !frame.on;
      if (frame.on) {
        agentTypingTimer = setTimeout(function () {
          ui.typing.hidden = true;
        }, 8000);
      }
    } else if (frame.type === "queue") showQueue(frame);
    else if (frame.type === "error") {
      var failed = frame.client_id && findOutboxItem(frame.client_id);
      if (failed && frame.code !== "rate_limited") dropItem(failed, frame.message);
      else showError(frame.message || t("error"));
    }
    else if (frame.type === "reload") reloadHistory();
  }

  function reloadHistory() {
    // Too much to replay: show the latest part of the conversation from scratch.
    sessionPromise = null;
    startSession().then(function (data) {
      ui.msgs.textContent = "";
      messages = {};
      Object.keys(pending).forEach(function (id) {
        ui.msgs.appendChild(pending[id].el);
      });
      systemLine(t("earlier_hidden"));
      lastSeq = Math.max(0, (data.last_seq || 0) - 200);
      closeSocket();
      if (mode === "polling") poll();
      else connect();
    });
  }

  var catchUpTimer = null;

  function catchUpLater(seq) {
    // The server numbered our message: if its event has not come over the socket in a few
    // seconds (a missed group send), fetch what is missing over HTTP.
    clearTimeout(catchUpTimer);
    catchUpTimer = setTimeout(function () {
      if (lastSeq >= seq || mode === "polling" || fatal) return;
      request("GET", "/events?visitor_token=" + encodeURIComponent(token()) + "&after=" + lastSeq)
        .then(function (data) {
          if (data.reload) reloadHistory();
          else (data.events || []).forEach(handleEvent);
        })
        .catch(function () {});
    }, 3000);
  }

  function startPolling() {
    if (mode !== "polling") setConn("polling");
    poll();
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  function poll() {
    if (fatal) return;
    clearTimeout(pollTimer);
    var next = function (ms) {
      if (mode === "polling") pollTimer = setTimeout(poll, ms);
    };
    if (navigator.onLine === false) return next(5000);
    startSession()
      .then(function () {
        return request("GET", "/events?visitor_token=" + encodeURIComponent(token()) + "&after=" + lastSeq);
      })
      .then(function (data) {
        if (data.reload) return reloadHistory();
        (data.events || []).forEach(handleEvent);
        replaying = false;
        flushOutbox();
        next(isOpen ? 3000 : 10000);
      })
      .catch(function () {
        next(8000);
      });
  }

  window.addEventListener("offline", function () {
    // Browsers often keep a dead socket "open" for a long time: drop it and show the state now.
    closeSocket();
    if (!fatal && mode !== "idle") setConn("offline");
  });
  window.addEventListener("online", function () {
    if (fatal || mode === "idle") return;
    failures = 0;
    if (mode === "polling") poll();
    connect();
    flushOutbox();
  });
  document.addEventListener("visibilitychange", sendRead);

  // ---------------------------------------------------------------- forms

  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

  function isEmail(field) {
    return field.type === "email" || field.name === "email";
  }

  function showPrechat() {
    var fields = (config && config.prechat) || [];
    ui.prechat.textContent = "";
    ui.prechat.appendChild(el("p", { text: t("prechat_intro") }));
    var inputs = [];
    fields.forEach(function (field, index) {
      var known = session && (field.name === "name" || field.name === "email") ? session[field.name] : "";
      var input = el("input", {
        id: "cf-pre-" + index,
        name: String(field.name),
        type: isEmail(field) ? "email" : "text",
        required: !!field.required,
        autocomplete: field.name === "email" ? "email" : field.name === "name" ? "name" : "off",
        "aria-required": field.required ? "true" : "false",
      });
      input.value = (stored.prechat && stored.prechat[field.name]) || known || "";
      inputs.push({ field: field, input: input });
      ui.prechat.appendChild(
        el("label", { for: "cf-pre-" + index }, [
          String(field.label || field.name),
          field.required ? null : el("small", { text: " (" + t("optional") + ")" }),
          input,
        ])
      );
    });
    var error = el("p", { className: "error", role: "alert", hidden: true });
    ui.prechat.appendChild(error);
    ui.prechat.appendChild(el("button", { type: "submit", className: "primary", text: t("start") }));
    ui.prechat.onsubmit = function (event) {
      event.preventDefault();
      var values = {};
      for (var i = 0; i < inputs.length; i++) {
        var value = inputs[i].input.value.trim();
        var field = inputs[i].field;
        var problem = null;
        if (field.required && !value) problem = t("field_required", { label: field.label || field.name });
        else if (value && isEmail(field) && !EMAIL.test(value)) problem = t("invalid_email");
        if (problem) {
          error.textContent = problem;
          error.hidden = false;
          inputs[i].input.setAttribute("aria-invalid", "true");
          inputs[i].input.focus();
          return;
        }
        inputs[i].input.removeAttribute("aria-invalid");
        if (value) values[field.name] = value;
      }
      stored.prechat = values;
      save();
      render();
      ui.text.focus();
    };
    ui.prechat.hidden = false;
  }

  function showEmailForm() {
    ui.email.textContent = "";
    var address = el("input", { id: "cf-email", type: "email", required: true, autocomplete: "email" });
    address.value = (session && session.email) || (stored.prechat && stored.prechat.email) || "";
    var text = el("textarea", { id: "cf-email-text", rows: "3" });
    var error = el("p", { className: "error", role: "alert", hidden: true });
    var submit = el("button", { type: "submit", className: "primary", text: t("email_send") });
    ui.email.appendChild(el("p", { text: t("offline") }));
    ui.email.appendChild(el("label", { for: "cf-email" }, [t("email_label"), address]));
    ui.email.appendChild(el("label", { for: "cf-email-text" }, [t("email_text_label"), text]));
    ui.email.appendChild(error);
    ui.email.appendChild(submit);
    if (session && session.conversation_id) {
      ui.email.appendChild(
        el("button", {
          type: "button",
          className: "linkish",
          text: t("back_to_chat"),
          onclick: function () {
            ui.email.hidden = true;
            render();
            ui.text.focus();
          },
        })
      );
    }
    ui.email.onsubmit = function (event) {
      event.preventDefault();
      var email = address.value.trim();
      if (!EMAIL.test(email)) {
        error.textContent = t("invalid_email");
        error.hidden = false;
        address.setAttribute("aria-invalid", "true");
        address.focus();
        return;
      }
      submit.disabled = true;
      startSession()
        .then(function () {
          var body = { visitor_token: token(), email: email };
          if (text.value.trim()) body.text = text.value.trim();
          return request("POST", "/email", body);
        })
        .then(function () {
          ui.email.textContent = "";
          ui.email.appendChild(el("p", { role: "status", tabindex: "-1", text: t("email_sent") }));
          ui.email.firstChild.focus();
        })
        .catch(function (failure) {
          submit.disabled = false;
          error.textContent = failure.message || t("error");
          error.hidden = false;
        });
    };
    ui.composer.hidden = true;
    ui.prechat.hidden = true;
    ui.email.hidden = false;
    address.focus();
  }

  function render() {
    if (fatal || !config) return;
    var started = session && session.conversation_id;
    var needsPrechat = !started && (config.prechat || []).length && !stored.prechat;
    if (config.identity_required && !(OPTIONS.user && OPTIONS.user.hash)) {
      showFatal(t("identity_required"));
      return;
    }
    if (!ui.email.hidden) return;
    if (!started && !outbox().length && config.available === false) {
      showEmailForm();
      return;
    }
    if (needsPrechat) {
      ui.composer.hidden = true;
      showPrechat();
      return;
    }
    ui.prechat.hidden = true;
    ui.composer.hidden = false;
  }

  ui.text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (sendText(ui.text.value)) ui.text.value = "";
    }
  });
  ui.text.addEventListener("input", function () {
    setTyping(ui.text.value.trim().length > 0);
  });
  ui.composer.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sendText(ui.text.value)) ui.text.value = "";
    ui.text.focus();
  });
  ui.attach.addEventListener("click", function () {
    ui.file.click();
  });
  ui.file.addEventListener("change", function () {
    Array.prototype.forEach.call(ui.file.files || [], upload);
    ui.file.value = "";
  });

  // ---------------------------------------------------------------- open, close, keyboard

  function focusables() {
    return Array.prototype.filter.call(
      ui.panel.querySelectorAll("button,[href],input,textarea,select,[tabindex]:not([tabindex='-1'])"),
      function (node) {
        return !node.disabled && node.getClientRects().length > 0;
      }
    );
  }

  function open() {
    if (isOpen) return;
    isOpen = true;
    ui.panel.hidden = false;
    ui.root.classList.add("open");
    ui.launcher.setAttribute("aria-expanded", "true");
    updateBadge();
    ui.announce.textContent = "";
    render();
    var target = !ui.prechat.hidden
      ? ui.prechat.querySelector("input")
      : !ui.email.hidden
      ? ui.email.querySelector("input")
      : !ui.composer.hidden
      ? ui.text
      : ui.close;
    (target || ui.close).focus();
    scrollDown();
    if (!socket && mode !== "polling") connect();
    else if (mode === "polling") poll();
    sendRead();
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    ui.panel.hidden = true;
    ui.root.classList.remove("open");
    ui.launcher.setAttribute("aria-expanded", "false");
    setTyping(false);
    updateBadge();
    ui.launcher.focus();
  }

  ui.launcher.addEventListener("click", function () {
    if (isOpen) close();
    else open();
  });
  ui.close.addEventListener("click", close);
  ui.panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
      return;
    }
    if (event.key !== "Tab") return;
    var items = focusables();
    if (!items.length) return;
    var first = items[0],
      last = items[items.length - 1],
      active = shadow.activeElement;
    if (event.shiftKey && (active === first || items.indexOf(active) < 0)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || items.indexOf(active) < 0)) {
      event.preventDefault();
      first.focus();
    }
  });

  // ---------------------------------------------------------------- start

  function start() {
    document.body.appendChild(host);
    request("GET", "/config")
      .then(function (data) {
        config = data || {};
        host.hidden = false;
        if (config.strings && typeof config.strings === "object") strings = config.strings;
        setAccent(config.accent_color);
        if (config.language) host.setAttribute("lang", config.language);
        applyStrings();
        if (config.reply_time_text) {
          ui.replyTime.textContent = config.reply_time_text;
          ui.replyTime.hidden = false;
        }
        if (config.greeting) {
          ui.msgs.insertBefore(el("li", { className: "msg greeting" }, [el("div", { className: "bubble", text: config.greeting })]), ui.msgs.firstChild);
        }
        if (config.max_message_chars) ui.text.setAttribute("maxlength", String(config.max_message_chars));
        // Show the queued messages of an earlier page view that never reached the server.
        outbox().forEach(pendingElement);
        if (stored.token || outbox().length) {
          startSession().then(function (data) {
            if (data.conversation_id || outbox().length) connect();
            if (isOpen) render();
          });
        }
        if (isOpen) render();
        if (openOnLoad) open();
      })
      .catch(function (error) {
        // No config (origin not allowed, inbox gone): no launcher at all, nothing to click.
        host.hidden = true;
        if (window.console) console.warn("Carefront chat:", error.message);
      });
  }

  // A small public API for the host page: CarefrontChat.open(), .close(), .toggle().
  var openOnLoad = OPTIONS.open === true;
  // A link back to the conversation (the reply sent by email) hands the visitor's token to the
  // page: as an option, or as JSON in <script type="application/json" id="carefront-chat-token">
  // (no inline script needed under a strict CSP).
  var handedToken = typeof OPTIONS.visitor_token === "string" ? OPTIONS.visitor_token : null;
  var tokenElement = document.getElementById("carefront-chat-token");
  if (!handedToken && tokenElement) {
    try {
      handedToken = JSON.parse(tokenElement.textContent);
    } catch (e) {
      handedToken = null;
    }
  }
  if (typeof handedToken === "string" && handedToken) {
    if (stored.token !== handedToken) {
      stored = { token: handedToken };
      readSent = 0;
      save();
    }
    openOnLoad = true;
  }
  window.CarefrontChat = OPTIONS;
  OPTIONS.open = open;
  OPTIONS.close = close;
  OPTIONS.toggle = function () {
    if (isOpen) close();
    else open();
  };

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
