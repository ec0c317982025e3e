/*! Shoptrail browser tracker. Dependency-free; speaks the Segment HTTP Tracking API.
 *
 *   <script src="https://YOUR-SHOPTRAIL/sdk.js"></script>
 *   <script>
 *     shoptrail.load({ writeKey: "stwk_...", host: "https://YOUR-SHOPTRAIL" });
 *     shoptrail.page();
 *     shoptrail.track("add_to_cart", { sku: "SKU-1", price: 89 });
 *     shoptrail.identify("user-42", { email: "a@example.com" });
 *   </script>
 *
 * Messages are queued (and kept in localStorage, so a navigation loses nothing), sent in
 * batches to /v1/batch as text/plain (no CORS preflight), retried with exponential backoff
 * on network errors, 429 and 5xx (honouring Retry-After), and flushed with
 * navigator.sendBeacon when the page is hidden or unloaded. The anonymous id persists in
 * localStorage and a first-party cookie; a session ends after 30 minutes without activity.
 * The utm_* tags of the landing URL travel as context.campaign for the rest of the session;
 * every message carries the page, referrer, title, screen, language and time zone.
 * Optional autocapture (load({ autocapture: true })) records link and button clicks
 * (navigation_click, button_click) and page_unload with time_on_page in seconds.
 *
 * Consent: load({ consent: "pending" }) reads and writes no cookie and no localStorage and
 * sends nothing until shoptrail.consent("granted"). Calls made meanwhile are held in memory
 * (the first 100; later ones are dropped) and sent on "granted" with their own timestamps;
 * "denied" drops them and removes everything the tracker stored. load({ respectDoNotTrack:
 * true }) makes a browser's Global Privacy Control or Do Not Track signal mean "denied",
 * whatever the page grants. Without a consent option the tracker runs as "granted".
 */
(function (global) {
  "use strict";

  var VERSION = "1.0.0";
  var PREFIX = "shoptrail.";
  var COOKIE = "shoptrail_aid";
  var SESSION_IDLE_MS = 30 * 60 * 1000;
  var MAX_BATCH = 20;
  var FLUSH_INTERVAL_MS = 1000;
  var MAX_QUEUE = 500;
  var MAX_BACKOFF_MS = 60 * 1000;
  // sendBeacon refuses bodies over 64 KiB in every browser; stay well below.
  var MAX_BEACON_BYTES = 60 * 1024;

  // URL parameter → key of Segment's context.campaign.
  var CAMPAIGN_PARAMS = {
    utm_source: "source",
    utm_medium: "medium",
    utm_campaign: "name",
    utm_term: "term",
    utm_content: "content",
  };
  var MAX_TEXT = 100;
  // Calls held while consent is pending.
  var MAX_HELD = 100;
  var STORED_KEYS = ["queue", "anonymousId", "userId", "session"];

  // "pending" | "granted" | "denied": only "granted" touches browser storage or the network.
  var consentState = "granted";
  var held = [];
  function granted() {
    return consentState === "granted";
  }

  var memory = {};
  function read(key) {
    if (granted()) {
      try {
        var v = global.localStorage.getItem(PREFIX + key);
        if (v !== null) return v;
      } catch (e) {
        /* storage blocked: fall back to memory */
      }
    }
    return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
  }
  function write(key, value) {
    memory[key] = value;
    if (!granted()) return;
    try {
      if (value === null) global.localStorage.removeItem(PREFIX + key);
      else global.localStorage.setItem(PREFIX + key, value);
    } catch (e) {
      /* memory only */
    }
  }
  function readCookie(name) {
    if (!granted()) return null;
    var parts = (global.document && global.document.cookie ? global.document.cookie : "").split("; ");
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return null;
  }
  function writeCookie(name, value) {
    if (!granted()) return;
    try {
      global.document.cookie =
        name + "=" + encodeURIComponent(value) + "; Max-Age=31536000; Path=/; SameSite=Lax";
    } catch (e) {
      /* no cookies */
    }
  }

  function uuid() {
    var c = global.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function now() {
    return Date.now();
  }

  var config = null;
  var queue = [];
  var sending = false;
  var attempt = 0;
  var timer = null;

  function anonymousId() {
    var id = read("anonymousId") || readCookie(COOKIE);
    if (!id) id = uuid();
    write("anonymousId", id);
    writeCookie(COOKIE, id);
    return id;
  }

  /** utm_* parameters of the page URL as Segment's context.campaign, or null. */
  function campaignOf(search) {
    var found = null;
    try {
      var params = new URLSearchParams(search || "");
      for (var p in CAMPAIGN_PARAMS) {
        var v = params.get(p);
        if (v) {
          found = found || {};
          found[CAMPAIGN_PARAMS[p]] = v.slice(0, 500);
        }
      }
    } catch (e) {
      found = null;
    }
    return found;
  }

  /**
   * The current session: a new one after 30 minutes without activity. The campaign of the
   * landing URL is kept for the rest of the session (a later URL with its own utm_* tags
   * replaces it).
   */
  function session(search) {
    var t = now();
    var s = null;
    try {
      s = JSON.parse(read("session") || "null");
    } catch (e) {
      s = null;
    }
    var fresh = !s || typeof s.id !== "string" || t - s.last > SESSION_IDLE_MS;
    if (fresh) s = { id: uuid(), last: t };
    if (search === undefined) search = global.location ? global.location.search : "";
    var tagged = campaignOf(search);
    if (tagged) s.campaign = tagged;
    s.last = t;
    write("session", JSON.stringify(s));
    return { id: s.id, fresh: fresh, campaign: s.campaign || null };
  }

  function timeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return undefined;
    }
  }

  function context(campaign) {
    var d = global.document;
    var l = global.location;
    var nav = global.navigator || {};
    var scr = global.screen;
    var c = {
      library: { name: "shoptrail.js", version: VERSION },
      page: {
        path: l ? l.pathname : undefined,
        url: l ? l.href : undefined,
        search: l ? l.search : undefined,
        title: d ? d.title : undefined,
        referrer: d ? d.referrer : undefined,
      },
      userAgent: nav.userAgent,
      locale: nav.language,
      timezone: timeZone(),
      screen: scr ? { width: scr.width, height: scr.height, density: global.devicePixelRatio } : undefined,
    };
    if (campaign) c.campaign = campaign;
    return c;
  }

  function persist() {
    write("queue", JSON.stringify(queue));
  }

  /** Whether the browser asks not to be tracked (Global Privacy Control or Do Not Track). */
  function privacySignal() {
    var nav = global.navigator || {};
    var dnt = nav.doNotTrack || global.doNotTrack || nav.msDoNotTrack;
    return nav.globalPrivacyControl === true || dnt === "1" || dnt === "yes";
  }

  /** Removes every cookie and localStorage key the tracker wrote, and forgets its state. */
  function forget() {
    held = [];
    queue = [];
    memory = {};
    if (timer !== null) {
      global.clearTimeout(timer);
      timer = null;
    }
    STORED_KEYS.forEach(function (key) {
      try {
        global.localStorage.removeItem(PREFIX + key);
      } catch (e) {
        /* nothing stored */
      }
    });
    try {
      // Expiring a cookie writes nothing that identifies anyone.
      if (global.document && readCookieRaw(COOKIE) !== null) {
        global.document.cookie = COOKIE + "=; Max-Age=0; Path=/; SameSite=Lax";
      }
    } catch (e) {
      /* no cookies */
    }
  }
  function readCookieRaw(name) {
    var all = global.document && global.document.cookie ? global.document.cookie : "";
    return ("; " + all).indexOf("; " + name + "=") >= 0 ? name : null;
  }

  /** A call made while consent is pending, kept in memory only, bounded. */
  function hold(type, fields) {
    if (held.length >= MAX_HELD) return;
    held.push({
      type: type,
      fields: fields,
      timestamp: new Date().toISOString(),
      page: context(null).page,
      search: global.location ? global.location.search : "",
      userId: read("userId"),
    });
  }

  /** After "granted": the held calls become messages, with the time and page they had. */
  function release() {
    var calls = held;
    held = [];
    calls.forEach(function (c) {
      record(c.type, c.fields, c);
    });
  }

  function enqueue(type, fields) {
    if (!config) throw new Error("shoptrail.load({ writeKey }) must be called first");
    if (consentState === "denied") return;
    if (consentState === "pending") {
      hold(type, fields);
      return;
    }
    record(type, fields, null);
  }

  function record(type, fields, was) {
    var current = session(was ? was.search : undefined);
    var base = function (t, f) {
      var ctx = context(current.campaign);
      if (was) ctx.page = was.page;
      var m = {
        type: t,
        messageId: uuid(),
        anonymousId: anonymousId(),
        sessionId: current.id,
        timestamp: was ? was.timestamp : new Date().toISOString(),
        context: ctx,
      };
      var userId = was ? was.userId : read("userId");
      if (userId) m.userId = userId;
      for (var k in f) if (Object.prototype.hasOwnProperty.call(f, k)) m[k] = f[k];
      return m;
    };
    if (current.fresh) queue.push(base("track", { event: "session_start", properties: {} }));
    queue.push(base(type, fields));
    if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
    persist();
    if (queue.length >= MAX_BATCH) flush();
    else schedule(FLUSH_INTERVAL_MS);
  }

  function schedule(ms) {
    if (timer !== null) return;
    timer = global.setTimeout(function () {
      timer = null;
      flush();
    }, ms);
  }

  function endpoint() {
    return (config.host || "").replace(/\/+$/, "") + "/v1/batch";
  }

  function body(messages) {
    return JSON.stringify({ batch: messages, sentAt: new Date().toISOString(), writeKey: config.writeKey });
  }

  function backoff(retryAfterS) {
    attempt += 1;
    var ms = retryAfterS > 0 ? retryAfterS * 1000 : Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, attempt - 1));
    return ms + Math.floor(Math.random() * 250);
  }

  function remove(messages) {
    var sent = {};
    messages.forEach(function (m) {
      sent[m.messageId] = true;
    });
    queue = queue.filter(function (m) {
      return !sent[m.messageId];
    });
    persist();
  }

  /** Sends the oldest queued messages; retries later on failure. Returns a promise. */
  function flush() {
    if (!config || !granted() || sending || queue.length === 0) return Promise.resolve();
    sending = true;
    var messages = queue.slice(0, MAX_BATCH);
    return global
      .fetch(endpoint(), {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: body(messages),
        keepalive: true,
        credentials: "omit",
      })
      .then(function (res) {
        sending = false;
        if (res.status === 429 || res.status >= 500) {
          schedule(backoff(parseInt(res.headers.get("Retry-After") || "0", 10) || 0));
          return;
        }
        // 2xx: stored. Other 4xx: the server will never take these; drop them.
        attempt = 0;
        remove(messages);
        if (queue.length > 0) schedule(0);
      })
      .catch(function () {
        sending = false;
        schedule(backoff(0));
      });
  }

  /** Hands everything queued to the browser (sendBeacon), which sends it after unload. */
  function beacon() {
    if (!config || !granted() || queue.length === 0) return;
    var nav = global.navigator;
    if (!nav || typeof nav.sendBeacon !== "function") {
      flush();
      return;
    }
    var pending = queue.slice();
    while (pending.length > 0) {
      var chunk = [];
      while (pending.length > 0 && chunk.length < 100) {
        chunk.push(pending[0]);
        if (body(chunk).length > MAX_BEACON_BYTES && chunk.length > 1) {
          chunk.pop();
          break;
        }
        pending.shift();
      }
      var ok = false;
      try {
        ok = nav.sendBeacon(endpoint(), new Blob([body(chunk)], { type: "text/plain" }));
      } catch (e) {
        ok = false;
      }
      // Queued by the browser: forget them. Otherwise they stay persisted for the next page.
      if (ok) remove(chunk);
      else break;
    }
  }

  /** Takes over the queue a previous page persisted (only with consent). */
  function restore() {
    if (!granted()) return;
    try {
      var saved = JSON.parse(read("queue") || "[]");
      if (Array.isArray(saved)) {
        var known = {};
        queue.forEach(function (m) {
          known[m.messageId] = true;
        });
        queue = saved
          .filter(function (m) {
            return m && !known[m.messageId];
          })
          .concat(queue);
      }
    } catch (e) {
      /* a damaged queue is dropped */
    }
  }

  function text(el) {
    var t = (el.innerText || el.value || el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim();
    return t.slice(0, MAX_TEXT);
  }

  /** Autocapture: a click on a link is navigation_click, on a button button_click. */
  function onClick(e) {
    var el = e.target && e.target.closest
      ? e.target.closest("a[href], button, [role=button], input[type=submit], input[type=button]")
      : null;
    if (!el) return;
    var props = { element_id: el.id || undefined, text: text(el) || undefined };
    if (el.tagName === "A") {
      props.href = el.href;
      api.track("navigation_click", props);
    } else {
      api.track("button_click", props);
    }
  }

  var shownAt = now();
  /** Autocapture: page_unload with the seconds the page was open, before the beacon. */
  function onLeave() {
    var seconds = Math.round((now() - shownAt) / 100) / 10;
    api.track("page_unload", { time_on_page: seconds });
  }

  var api = {
    VERSION: VERSION,
    /**
     * Starts the tracker: { writeKey, host, autocapture, consent, respectDoNotTrack } (host
     * defaults to the page's origin; autocapture, off by default, records link and button
     * clicks and a page_unload with time_on_page; consent is "granted" (the default),
     * "pending" or "denied"; respectDoNotTrack turns a GPC or DNT signal into "denied").
     */
    load: function (options) {
      if (!options || !options.writeKey) throw new Error("shoptrail.load needs a writeKey");
      var start = options.consent === undefined ? "granted" : options.consent;
      if (start !== "granted" && start !== "pending" && start !== "denied") {
        throw new Error('shoptrail.load: consent must be "granted", "pending" or "denied"');
      }
      config = {
        writeKey: options.writeKey,
        host: options.host || "",
        autocapture: options.autocapture === true,
        respectDoNotTrack: options.respectDoNotTrack === true,
      };
      consentState = config.respectDoNotTrack && privacySignal() ? "denied" : start;
      if (consentState === "denied") forget();
      else restore();
      if (global.addEventListener) {
        if (config.autocapture) {
          global.document.addEventListener("click", onClick, true);
          // Registered before the beacon's listener, so the beacon carries it.
          global.addEventListener("pagehide", onLeave);
        }
        global.addEventListener("pagehide", beacon);
        global.document.addEventListener("visibilitychange", function () {
          if (global.document.visibilityState === "hidden") beacon();
        });
      }
      if (queue.length > 0) schedule(0);
      return api;
    },
    /**
     * Records the visitor's choice ("granted" or "denied") and returns the state now in
     * force; with no argument, returns it ("pending", "granted" or "denied"). "granted"
     * sends what was held; "denied" drops it and removes what the tracker stored. A privacy
     * signal the page asked to respect keeps the state "denied".
     */
    consent: function (choice) {
      if (choice === undefined) return consentState;
      if (choice !== "granted" && choice !== "denied") {
        throw new Error('shoptrail.consent needs "granted" or "denied"');
      }
      if (choice === "granted" && config && config.respectDoNotTrack && privacySignal()) choice = "denied";
      if (choice === "denied") {
        consentState = "denied";
        forget();
        return consentState;
      }
      if (consentState === "granted") return consentState;
      consentState = "granted";
      // What was set in memory while pending (a user id from identify) is stored now.
      var kept = memory;
      memory = {};
      for (var k in kept) if (Object.prototype.hasOwnProperty.call(kept, k)) write(k, kept[k]);
      if (config) {
        restore();
        release();
        if (queue.length > 0) schedule(0);
      }
      return consentState;
    },
    page: function (name, properties) {
      var fields = { properties: properties || {} };
      if (typeof name === "string") fields.name = name;
      var ctx = context(null).page;
      for (var k in ctx) if (fields.properties[k] === undefined && ctx[k] !== undefined) fields.properties[k] = ctx[k];
      enqueue("page", fields);
    },
    track: function (event, properties) {
      if (typeof event !== "string" || !event) throw new Error("track needs an event name");
      enqueue("track", { event: event, properties: properties || {} });
    },
    identify: function (userId, traits) {
      if (typeof userId !== "string" || !userId) throw new Error("identify needs a user id");
      write("userId", userId);
      enqueue("identify", { userId: userId, traits: traits || {} });
    },
    /** Forgets the user and starts a new anonymous id (on sign-out). */
    reset: function () {
      write("userId", null);
      write("anonymousId", null);
      write("session", null);
      if (granted()) {
        writeCookie(COOKIE, "");
        global.document.cookie = COOKIE + "=; Max-Age=0; Path=/";
      }
    },
    anonymousId: anonymousId,
    userId: function () {
      return read("userId");
    },
    flush: flush,
    /** For tests: the messages not yet sent (not the calls held for consent). */
    pending: function () {
      return queue.slice();
    },
    /** For tests: how many calls are held until consent is given. */
    held: function () {
      return held.length;
    },
  };

  global.shoptrail = api;
})(typeof window !== "undefined" ? window : this);
