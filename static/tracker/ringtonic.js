/* Ring Tonic website tracker: shows each visitor a tracking number and remembers the visit.
   Plain JavaScript, no dependencies. Every error is caught: the real number stays. */
(function (config) {
  "use strict";
  var w = window, d = document;
  if (w.RingTonic && w.RingTonic.loaded) return;
  var api = (w.RingTonic = w.RingTonic || {});
  api.loaded = true;

  var VISITOR = "_rt_vid", VISIT = "_rt_sid", SHOWN = "_rt_num", TAGS = "_rt_tags";
  var VISIT_MINUTES = 30, HEARTBEAT_MS = 60000;
  var TAG_NAMES = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
    "gclid", "gbraid", "wbraid", "fbclid", "msclkid", "ttclid", "li_fat_id"];
  var SKIP = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, TEXTAREA: 1, INPUT: 1, SELECT: 1, OPTION: 1 };
  var shown = null, visitId = null, started = false, observer = null;

  function safely(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { /* never break the host page */ }
    };
  }

  function cookie(name) {
    var m = d.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  function setCookie(name, value, minutes) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    d.cookie = name + "=" + encodeURIComponent(value) + "; Max-Age=" + Math.round(minutes * 60) +
      "; Path=/; SameSite=Lax" + secure;
  }

  function digits(text) { return String(text).replace(/\D/g, ""); }

  function national(e164) {
    var n = digits(e164);
    return n.length === 11 && n.charAt(0) === "1" ? n.slice(1) : n;
  }

  // (512) 555-0100, 512-555-0100, 512.555.0100, 512 555 0100, +1 512 555 0100, 1-512-555-0100
  function pattern(e164) {
    var n = national(e164);
    if (n.length !== 10) return null;
    var sep = "[\\s.\\-\\u00a0]?";
    return new RegExp("(^|[^\\d])((?:\\+?1" + sep + ")?\\(?" + n.slice(0, 3) + "\\)?" + sep +
      n.slice(3, 6) + sep + n.slice(6) + ")(?!\\d)", "g");
  }

  // The tracking number in the matched text's own format: its digits replaced in place.
  function reformat(matched, tracking) {
    var want = national(tracking), had = digits(matched), i = 0;
    var skipCountry = had.length === 11;
    return matched.replace(/\d/g, function (digit) {
      if (skipCountry) { skipCountry = false; return digit; }
      return want.charAt(i++) || digit;
    });
  }

  function swapText(node, rules) {
    var text = node.nodeValue, changed = text;
    for (var r = 0; r < rules.length; r++) {
      rules[r].re.lastIndex = 0;
      changed = changed.replace(rules[r].re, function (all, before, number) {
        return before + reformat(number, rules[r].to);
      });
    }
    if (changed !== text) node.nodeValue = changed;
  }

  function swapLink(a, targets, to) {
    var href = a.getAttribute("href") || "";
    if (!/^tel:/i.test(href)) return;
    var n = national(href.slice(4).split(/[;,?]/)[0]);
    if (targets.indexOf(n) >= 0) a.setAttribute("href", "tel:" + to);
  }

  function swap(root, from, to) {
    if (!to || !root) return;
    var rules = [], targets = [];
    for (var i = 0; i < from.length; i++) {
      var re = pattern(from[i]);
      if (re && national(from[i]) !== national(to)) {
        rules.push({ re: re, to: to });
        targets.push(national(from[i]));
      }
    }
    if (!rules.length) return;
    if (root.nodeType === 3) { swapText(root, rules); return; }
    if (root.nodeType !== 1 || SKIP[root.nodeName]) return;
    var walker = d.createTreeWalker(root, 4, null), node, texts = [];
    while ((node = walker.nextNode())) {
      if (!SKIP[node.parentNode && node.parentNode.nodeName]) texts.push(node);
    }
    for (var t = 0; t < texts.length; t++) swapText(texts[t], rules);
    var links = root.nodeName === "A" ? [root] : root.getElementsByTagName("a");
    for (var l = 0; l < links.length; l++) swapLink(links[l], targets, to);
  }

  function show(number) {
    if (!number) return;
    var from = config.numbers.slice();
    if (shown && shown !== number) from.push(shown);
    shown = number;
    setCookie(SHOWN, number, VISIT_MINUTES);
    swap(d.body, from, number);
    if (!observer && w.MutationObserver) {
      observer = new MutationObserver(safely(function (records) {
        for (var i = 0; i < records.length; i++) {
          var rec = records[i];
          if (rec.type === "characterData") swap(rec.target, config.numbers, shown);
          for (var j = 0; j < rec.addedNodes.length; j++) swap(rec.addedNodes[j], config.numbers, shown);
        }
      }));
      observer.observe(d.body, { childList: true, subtree: true, characterData: true });
    }
  }

  function gaIds() {
    var client = (cookie("_ga").match(/^GA\d\.\d+\.(\d+\.\d+)$/) || [])[1] || "";
    var session = "", all = d.cookie.split("; ");
    for (var i = 0; i < all.length; i++) {
      var m = all[i].match(/^_ga_[A-Z0-9]+=(.*)$/);
      if (!m) continue;
      var v = decodeURIComponent(m[1]);
      session = (v.match(/^GS1\.\d+\.(\d+)/) || v.match(/^GS2\.\d+\.s(\d+)/) || [])[1] || "";
      if (session) break;
    }
    return { client: client, session: session };
  }

  function landingTags() {
    var tags = {}, query = location.search.slice(1).split("&"), any = false;
    for (var i = 0; i < query.length; i++) {
      var kv = query[i].split("="), name = decodeURIComponent(kv[0] || "").toLowerCase();
      if (TAG_NAMES.indexOf(name) >= 0 && kv[1]) {
        tags[name] = decodeURIComponent(kv[1].replace(/\+/g, " "));
        any = true;
      }
    }
    if (any) setCookie(TAGS, JSON.stringify(tags), VISIT_MINUTES);
    try { return JSON.parse(cookie(TAGS) || "{}"); } catch (e) { return {}; }
  }

  function addFormFields() {
    if (!config.formFields || !visitId) return;
    var tags = landingTags(), ga = gaIds();
    tags.ringtonic_session_id = visitId;
    if (ga.client) tags.ga_client_id = ga.client;
    if (ga.session) tags.ga_session_id = ga.session;
    var forms = d.getElementsByTagName("form");
    for (var i = 0; i < forms.length; i++) {
      for (var name in tags) {
        if (!Object.prototype.hasOwnProperty.call(tags, name) || forms[i].elements[name]) continue;
        var input = d.createElement("input");
        input.type = "hidden"; input.name = name; input.value = tags[name];
        forms[i].appendChild(input);
      }
    }
  }

  function post(path, body, done) {
    if (!w.fetch) return;
    // text/plain keeps it a simple CORS request: no preflight before every visit.
    w.fetch(config.endpoint + path, {
      method: "POST", body: JSON.stringify(body || {}), credentials: "omit", keepalive: true,
      headers: { "Content-Type": "text/plain;charset=UTF-8" }
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(safely(function (data) { if (done) done(data); }))["catch"](function () {});
  }

  function remember(data) {
    if (!data || !data.session_id) return;
    visitId = data.session_id;
    setCookie(VISITOR, data.visitor_id, 60 * 24 * 365);
    setCookie(VISIT, visitId, VISIT_MINUTES);
    show(data.number);
    addFormFields();
  }

  function heartbeat() {
    if (!visitId || d.visibilityState === "hidden") return;
    setCookie(VISIT, visitId, VISIT_MINUTES);
    post("/visits/" + visitId + "/heartbeat", {}, function (data) {
      if (data) remember(data);
      else { visitId = null; begin(); }  // the visit ended: start a new one
    });
  }

  function begin() {
    var ga = gaIds();
    landingTags();
    post("/visits", {
      page: location.href, referrer: d.referrer, visitor_id: cookie(VISITOR),
      session_id: cookie(VISIT), ga_client_id: ga.client, ga_session_id: ga.session
    }, remember);
  }

  var start = safely(function () {
    if (started) return;
    if (config.honorGpc && navigator.globalPrivacyControl === true) return;
    started = true;
    // The number this visit was shown on an earlier page, at once, before the server answers.
    var earlier = cookie(SHOWN);
    if (earlier && cookie(VISIT)) show(earlier);
    begin();
    setInterval(safely(heartbeat), HEARTBEAT_MS);
  });

  api.consent = safely(function () {
    api.consented = true;
    if (d.body) start(); else d.addEventListener("DOMContentLoaded", start);
  });

  safely(function () {
    if (config.requireConsent && !api.consented) return;  // the site calls RingTonic.consent()
    if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start);
    else start();
  })();
})(/*RINGTONIC_CONFIG*/{"endpoint": "", "numbers": [], "formFields": false, "requireConsent": false, "honorGpc": true});
