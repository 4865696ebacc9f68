// At the door: search as you type. The page works without this (a search form and buttons);
// this only fetches the same page for what is typed and swaps in its results. Same origin only.
(function () {
  "use strict";
  var q = document.getElementById("q");
  var results = document.getElementById("results");
  var count = document.querySelector(".door-count");
  if (!q || !results || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var asked = 0;
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var form = q.form;
      var url = new URL(form.action, location.href);
      new FormData(form).forEach(function (v, k) { if (v !== "") url.searchParams.set(k, v); });
      var mine = ++asked;
      fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (mine !== asked) return; // a later search answered first
          var doc = new DOMParser().parseFromString(html, "text/html");
          var next = doc.getElementById("results");
          var nextCount = doc.querySelector(".door-count");
          if (!next) return;
          results.innerHTML = next.innerHTML;
          if (count && nextCount) count.textContent = nextCount.textContent;
          history.replaceState(null, "", url.pathname + url.search);
        })
        .catch(function () { /* the search button still works */ });
    }, 250);
  });
})();
