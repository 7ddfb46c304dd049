/* Search the whole site in the browser, from search/index.js (window.BULLETIN_SEARCH).
   A classic script: it works from file://, on an intranet and on any web server. What people
   type is matched as a substring of each unit's name, category, tasks and opinion, so any
   Chinese phrase is found exactly; spaces separate words that must all be present. */
(function () {
  "use strict";
  var data = window.BULLETIN_SEARCH;
  var form = document.querySelector("[data-search]");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var results = document.getElementById("search-results");
  var none = document.getElementById("search-none");
  if (!form || !input) return;
  var base = "../";  // the search page is search/index.html
  var LIMIT = 100;  // units listed per year: more is a list nobody reads, and slow on a phone

  // Full-width letters and digits as half-width, lower case, no spaces or punctuation.
  var STRIP = /[\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65!-\/:-@\[-`{-~·—…“”‘’]/g;
  function fold(text) {
    text = String(text || "");
    if (text.normalize) text = text.normalize("NFKC");
    return text.toLowerCase().replace(STRIP, "");
  }

  // search/index.js: what results show; search/text-<YEAR>.js: what is searched besides names,
  // loaded (as classic scripts too) the first time someone searches.
  var units = [], docs = [], pending = 0, requested = false, titles = {};
  if (data) {
    data.years.forEach(function (y) {
      titles[y.year] = y.title;
      y.units.forEach(function (u, i) {
        units.push({ year: y.year, at: i, id: u[0], name: u[1], category: y.categories[u[2]],
                     rank: u[3], tied: u[4], total: u[5], grade: u[6], flags: u[7],
                     text: "", key: fold(u[1]), body: fold(y.categories[u[2]]) });
      });
      y.docs.forEach(function (d, i) {
        docs.push({ year: y.year, at: i, href: y.year + "/" + d[0], title: d[1], kind: d[2],
                    text: "", key: fold(d[1]), body: "" });
      });
    });
  }

  function addTexts() {
    var loaded = window.BULLETIN_SEARCH_TEXT || {};
    units.forEach(function (u) {
      var t = loaded[u.year];
      if (t && !u.text && t.units[u.at]) { u.text = t.units[u.at]; u.body = fold(u.category + " " + u.text); }
    });
    docs.forEach(function (d) {
      var t = loaded[d.year];
      if (t && !d.text && t.docs[d.at]) { d.text = t.docs[d.at]; d.body = fold(d.text); }
    });
  }

  function loadTexts(then) {
    if (requested || !data) return;
    requested = true;
    data.years.forEach(function (y) {
      if (!y.text) return;
      pending++;
      var script = document.createElement("script");
      script.src = "text-" + y.year + ".js";
      script.onload = script.onerror = function () {
        pending--;
        if (!pending) { addTexts(); then(); }
      };
      document.body.appendChild(script);
    });
    if (!pending) then();
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  // A short passage of `text` around the first word found, with the words marked.
  function snippet(text, words) {
    var plain = String(text), at = -1, word = "";
    for (var i = 0; i < words.length && at < 0; i++) {
      at = plain.indexOf(words[i].raw);
      word = words[i].raw;
    }
    if (at < 0) return null;
    var start = Math.max(0, at - 30), end = Math.min(plain.length, at + word.length + 50);
    var p = el("p", "snippet");
    p.appendChild(document.createTextNode((start > 0 ? "…" : "") + plain.slice(start, at)));
    p.appendChild(el("mark", null, plain.slice(at, at + word.length)));
    p.appendChild(document.createTextNode(plain.slice(at + word.length, end) + (end < plain.length ? "…" : "")));
    return p;
  }

  function matches(item, words) {
    for (var i = 0; i < words.length; i++) {
      var w = words[i].folded;
      if (item.key.indexOf(w) < 0 && item.body.indexOf(w) < 0) return false;
    }
    return true;
  }

  function rankText(u) {
    if (u.rank == null) return "尚未评分";
    return (u.tied ? "并列" : "") + "第" + u.rank + "名";
  }

  function render(query) {
    results.textContent = "";
    none.hidden = true;
    results.removeAttribute("data-done");
    if (!requested && query.trim()) loadTexts(function () { render(input.value); });
    var words = query.split(/[\s\u3000]+/).map(function (raw) {
      return { raw: raw, folded: fold(raw) };
    }).filter(function (w) { return w.folded; });
    if (!words.length) { status.textContent = ""; return; }
    if (!data) {
      status.textContent = "没有找到搜索索引（search/index.js），请重新生成网站。";
      return;
    }
    var loading = pending > 0;
    var found = {}, years = [], count = 0;
    function add(year, entry) {
      if (!found[year]) { found[year] = { units: [], docs: [] }; years.push(year); }
      entry.kind === "doc" ? found[year].docs.push(entry.item) : found[year].units.push(entry.item);
      count++;
    }
    units.forEach(function (u) {
      if (matches(u, words)) add(u.year, { kind: "unit", item: u });
    });
    docs.forEach(function (d) {
      if (matches(d, words)) add(d.year, { kind: "doc", item: d });
    });
    years.sort(function (a, b) { return b - a; });
    if (loading) status.textContent = "正在载入考核意见等全文……";
    if (!count && loading) return;
    if (!loading) results.setAttribute("data-done", "");
    if (!count) {
      status.textContent = "没有找到结果。";
      none.querySelector("[data-query]").textContent = query;
      none.hidden = false;
      return;
    }
    if (!loading) status.textContent = "找到 " + count + " 条结果，分属 " + years.length + " 个年度。";
    years.forEach(function (year) {
      var section = el("section", "search-year");
      var heading = el("h2", null, year + "年度");
      heading.id = "results-" + year;
      section.setAttribute("aria-labelledby", heading.id);
      section.appendChild(heading);
      if (titles[year]) section.appendChild(el("p", "muted", titles[year]));
      var list = el("ol", "search-list");
      var group = found[year];
      // Units whose name matches come before units found by their text.
      group.units.sort(function (a, b) {
        var an = words.every(function (w) { return a.key.indexOf(w.folded) >= 0; }) ? 0 : 1;
        var bn = words.every(function (w) { return b.key.indexOf(w.folded) >= 0; }) ? 0 : 1;
        return an - bn;
      });
      var shown = group.units.slice(0, LIMIT);
      shown.forEach(function (u) {
        var li = el("li");
        var link = el("a", "search-title", u.name);
        link.href = base + u.year + "/units/" + u.id + "/index.html";
        li.appendChild(link);
        var facts = u.category + " · " + rankText(u) + (u.total != null ? " · 总分 " + u.total : "") +
          (u.grade ? " · " + u.grade : "") + (u.flags ? " · " + u.flags : "");
        li.appendChild(el("span", "search-meta", facts));
        // A passage of the text only when it, not the name, is what was found.
        var byName = words.every(function (w) { return u.key.indexOf(w.folded) >= 0; });
        var passage = byName ? null : snippet(u.text, words);
        if (passage) li.appendChild(passage);
        list.appendChild(li);
      });
      group.docs.forEach(function (d) {
        var li = el("li");
        var link = el("a", "search-title", d.title);
        link.href = base + d.href;
        li.appendChild(link);
        li.appendChild(el("span", "search-meta", d.kind));
        var passage = snippet(d.text, words);
        if (passage) li.appendChild(passage);
        list.appendChild(li);
      });
      section.appendChild(list);
      if (group.units.length > LIMIT) {
        section.appendChild(el("p", "note", "本年度另有 " + (group.units.length - LIMIT) +
          " 个单位符合条件，未全部列出。请多输入几个字，或加一个词（用空格分开）缩小范围。"));
      }
      results.appendChild(section);
    });
  }

  function fromAddress() {
    var match = /[?&]q=([^&#]*)/.exec(location.search);
    if (!match) return "";
    try { return decodeURIComponent(match[1].replace(/\+/g, " ")); } catch (e) { return ""; }
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { render(input.value); }, 150);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    render(input.value);
    try { history.replaceState(null, "", "?q=" + encodeURIComponent(input.value)); } catch (e) { /* file:// may refuse */ }
  });
  var initial = fromAddress();
  if (initial) { input.value = initial; render(initial); }
  var header = document.getElementById("site-search");
  if (header && initial) header.value = initial;
})();
