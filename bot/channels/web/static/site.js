// ketnoi's pages work without JavaScript; this only adds conveniences:
// "tick all" boxes, confirmations before actions that tell people, and live progress.
(function () {
  "use strict";

  // On a phone the menu scrolls sideways: bring the current page's entry into view.
  var here = document.querySelector('.menu [aria-current="page"]');
  if (here && here.parentElement && here.parentElement.scrollWidth > here.parentElement.clientWidth) {
    here.parentElement.scrollLeft = here.offsetLeft - 16;
  }

  // While someone types in a staff form, keep their session from lapsing (30 minutes idle):
  // a ping every 5 minutes, only if something was typed since the last one.
  if (document.querySelector('form input[name="csrf"]')) {
    var typed = false;
    document.addEventListener("input", function () { typed = true; });
    window.setInterval(function () {
      if (!typed) return;
      typed = false;
      fetch("/quan-tri/phien", { credentials: "same-origin" }).catch(function () {});
    }, 5 * 60 * 1000);
  }

  // Nothing typed in a staff form is lost (a session that lapsed, a form from an old session,
  // the network gone): each form's fields are kept in this browser (localStorage: a new login
  // link may open in another tab) from the first keystroke until the page after sending it
  // shows it was taken. After signing in again the officer is brought back to the page (the
  // ketnoi_back cookie, read by the server once) and the form is filled again, with a line
  // saying so. Kept per member of staff (data-staff), for a day at most; logging out clears
  // them. In the browser, not on the server: a form refused for want of a session comes from
  // someone the server cannot name, and keeping what strangers post is not for the server to
  // do; the browser holds it for the person who typed it. <form data-draft="NAME" data-draft-page="/path">: a form whose fields are kept
  // under NAME and restored on /path (the announcement sent from its preview page).
  var DRAFT = "ketnoi.draft.", SENT = "ketnoi.sent", DAY = 24 * 3600 * 1000;
  var staffId = document.body.getAttribute("data-staff");
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }
  var read = function (key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  };
  var kept = function (el) {
    var type = (el.type || "").toLowerCase();
    return el.name && el.name !== "csrf" && !el.disabled &&
      ["file", "password", "submit", "button", "reset", "image"].indexOf(type) < 0;
  };
  var snapshot = function (form, withHidden) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el) || (el.type === "hidden" && !withHidden)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) fields.push([el.name, el.value]);
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { fields.push([el.name, o.value]); });
      } else {
        fields.push([el.name, el.value]);
      }
    });
    return fields;
  };
  var visibleNames = function (form) {
    var names = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (kept(el) && el.type !== "hidden") names[el.name] = true;
    });
    return names;
  };
  var restore = function (form, fields) {
    var names = visibleNames(form), wanted = {}, changed = false;
    fields.forEach(function (f) {
      if (names[f[0]]) (wanted[f[0]] = wanted[f[0]] || []).push(f[1]);
    });
    var used = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el) || el.type === "hidden" || !wanted[el.name]) return;
      var values = wanted[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        var on = values.indexOf(el.value) >= 0;
        if (el.checked !== on) { el.checked = on; changed = true; }
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          var on = values.indexOf(o.value) >= 0;
          if (o.selected !== on) { o.selected = on; changed = true; }
        });
      } else {
        var i = used[el.name] || 0;
        used[el.name] = i + 1;
        if (i < values.length && el.value !== values[i]) { el.value = values[i]; changed = true; }
      }
    });
    // boxes ticked on the page but not in what was kept
    Array.prototype.forEach.call(form.elements, function (el) {
      if (kept(el) && el.type === "checkbox" && el.checked && !wanted[el.name]) {
        el.checked = false; changed = true;
      }
    });
    return changed;
  };
  if (store) {
    // What became of the form sent last: refused (the sign-in page, an old form, a problem
    // shown) keeps its fields; any other staff page means it was taken.
    var sent = read(SENT);
    if (sent) {
      store.removeItem(SENT);
      var refused = document.querySelector("[data-form-refused], main [role=alert]");
      if (staffId && !refused) {
        store.removeItem(DRAFT + sent.key);
      } else if (Date.now() - sent.at < DAY) {
        var note = document.querySelector("[data-draft-kept]");
        if (note) {
          note.hidden = false;
          document.cookie = "ketnoi_back=" + encodeURIComponent(sent.page) +
            "; path=/; max-age=86400; samesite=lax";
        }
      }
    }
    if (staffId) {
      var seen = {};
      document.querySelectorAll('form[method="post"]').forEach(function (form) {
        if (!form.querySelector('input[name="csrf"]')) return;
        if ((form.getAttribute("action") || "") === "/dang-xuat") {
          form.addEventListener("submit", function () {
            for (var i = store.length - 1; i >= 0; i -= 1) {
              var k = store.key(i);
              if (k && k.indexOf(DRAFT) === 0) store.removeItem(k);
            }
          });
          return;
        }
        // a form is known by its page, where it goes, and its id or the action it asks for
        // (forms come and go with a record's state: a count alone would shift)
        var action = form.getAttribute("action") || location.pathname;
        var asked = form.querySelector('input[type="hidden"][name="action"]');
        var which = form.id || (asked && asked.value) || "";
        var n = seen[action + which] = (seen[action + which] || 0) + 1;
        var key = form.getAttribute("data-draft") ||
          location.pathname + "|" + action + "|" + which + "|" + n;
        var page = form.getAttribute("data-draft-page") || location.pathname + location.search;
        var hasVisible = Object.keys(visibleNames(form)).length > 0;
        var draft = read(DRAFT + key);
        if (draft && (draft.staff !== staffId || Date.now() - draft.at > DAY)) {
          store.removeItem(DRAFT + key);
        } else if (draft && hasVisible && restore(form, draft.fields)) {
          var template = document.getElementById("draft-restored");
          if (template) {
            var line = template.content.firstElementChild.cloneNode(true);
            line.querySelector("[data-draft-discard]").addEventListener("click", function () {
              store.removeItem(DRAFT + key);
              window.location.reload();
            });
            form.insertBefore(line, form.firstChild);  // inside: a form in a grid keeps its place
          }
        }
        var keep = function (withHidden) {
          try {
            store.setItem(DRAFT + key, JSON.stringify({
              staff: staffId, at: Date.now(), fields: snapshot(form, withHidden)
            }));
          } catch (e) { /* storage full or refused: the form still goes */ }
        };
        form.addEventListener("input", function () { keep(false); });
        form.addEventListener("change", function () { keep(false); });
        form.addEventListener("submit", function () {
          if (hasVisible || form.hasAttribute("data-draft")) keep(form.hasAttribute("data-draft"));
          store.setItem(SENT, JSON.stringify({ key: key, page: page, at: Date.now() }));
        });
      });
    }
  }

  // <input type="checkbox" data-tick-all="NAME">: ticks every box named NAME.
  document.querySelectorAll("[data-tick-all]").forEach(function (all) {
    var name = all.getAttribute("data-tick-all");
    var boxes = function () {
      return document.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    };
    var count = document.querySelector('[data-ticked="' + name + '"]');
    var show = function () {
      if (!count) return;
      var n = 0;
      boxes().forEach(function (b) { if (b.checked) n += 1; });
      count.textContent = String(n);
    };
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      show();
    });
    boxes().forEach(function (b) { b.addEventListener("change", show); });
    show();
  });

  // <button data-confirm="Text">: asks before the form is sent.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // <button data-confirm-all="Text">: asks before acting on every page of a list, when the
  // "all that match" box of its form is ticked.
  document.querySelectorAll("[data-confirm-all]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var all = button.form && button.form.querySelector('input[name="scope"]');
      if (all && all.checked && !window.confirm(button.getAttribute("data-confirm-all"))) {
        event.preventDefault();
      }
    });
  });

  // <section data-progress="/url.json">: reads the progress every 2 s until it is over.
  document.querySelectorAll("[data-progress]").forEach(function (box) {
    var url = box.getAttribute("data-progress");
    var bar = box.querySelector(".progress > span");
    var text = box.querySelector("[data-progress-text]");
    var tick = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return;
          if (bar) bar.style.width = p.percent + "%";
          if (text) text.textContent = p.text;
          box.setAttribute("data-state", p.status);
          if (p.status === "sending") window.setTimeout(tick, 2000);
          else if (p.reload) window.setTimeout(function () { window.location.reload(); }, 600);
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    };
    tick();
  });
})();
