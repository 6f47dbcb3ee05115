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
