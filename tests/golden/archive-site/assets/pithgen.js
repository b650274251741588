/*
 * pithgen.js: the only script of a pithgen site.  No dependencies, no build step.
 *
 * Works from file:// (where fetch() is blocked): every index is a small "shard" script
 *   pithgenShard("<name>", <JSON>);
 * loaded on demand with a <script> tag.  The page gives the relative path to the site
 * root in <body data-root="../../">.
 *
 * The pure logic (parseQuery, tokenize, queryTokens, fnv1a32, shardOf, rankQuery) mirrors
 * pithgen/identifiers.py, pithgen/tokens.py and pithgen/search.py exactly;
 * tests/test_js_logic.py runs both on the same fixtures.  Change them together.
 *
 * Everything read from shards is untrusted text: it is only ever put into the page with
 * textContent / createElement, never innerHTML.
 */
(function (global) {
  "use strict";

  /* ------------------------------------------------------------------ layout */

  /*
   * Every path this script builds, as pithgen/layout.py defines them ({...} are filled in
   * by fill()).  tests/test_layout.py checks that this object equals layout.js_layout().
   */
  var LAYOUT = {
    recordPage: "pith/{suffix}/index.html",
    search: "search.html",
    resolve: "resolve.html",
    resolveMeta: "resolve/meta",
    resolvePithShard: "resolve/p/{prefix}",
    resolveIdShard: "resolve/a/{shard}",
    searchMeta: "search/meta",
    searchTokenShard: "search/t/{shard}",
    searchDocBlock: "search/d/{block}",
    shardScript: "{name}.js",
  };

  function fill(pattern, values) {
    return pattern.replace(/\{([a-z]+)\}/g, function (_, key) {
      return String(values[key]);
    });
  }

  /* ------------------------------------------------------------------ identifiers */

  var WHITESPACE =
    " \t\n\r\f\v\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" +
    "\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff";
  var STRIP_RE = new RegExp("^[" + WHITESPACE + "]+|[" + WHITESPACE + "]+$", "g");
  var PRINTABLE_ASCII_RE = /^[\x20-\x7e]+$/;
  var ARXIV_NEW_RE = /^[0-9]{2}(?:0[1-9]|1[0-2])\.[0-9]{4,5}$/;
  /*
   * arXiv's archives of old-style ids (1991 to March 2007): a fixed list, the same as
   * OLD_ARCHIVES in pithgen/identifiers.py (tests/test_js_logic.py compares them).
   */
  var OLD_ARCHIVES = [
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
    "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
    "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin",
    "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph",
    "solv-int", "supr-con",
  ];
  var OLD_ARCHIVE = "(?:" + OLD_ARCHIVES.join("|") + ")";
  var ARXIV_OLD_RE = new RegExp("^" + OLD_ARCHIVE + "\\/[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{3}$");
  var VERSION = "(?:v([1-9][0-9]{0,5}))?";
  var NEW_WITH_VERSION = new RegExp("^([0-9]{4}\\.[0-9]{4,5})" + VERSION + "$");
  var OLD_WITH_VERSION = new RegExp(
    "^(" + OLD_ARCHIVE + ")(?:\\.[a-z]{2})?/([0-9]{7})" + VERSION + "$"
  );
  var ARXIV_URL =
    /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\/([^?#]*)(?:[?#].*)?$/;
  var DOI_URL = /^(?:https?:\/\/)?(?:dx\.)?doi\.org\/([^?#]*)(?:[?#].*)?$/;
  var PITH_URL = /^(?:https?|file):\/\/[^?#]*\/pith\/([a-z2-7]{26})(?:[./?#].*)?$/;
  var DOI_PREFIX = /^doi: *(.*)$/;
  var ARXIV_DOI = /^10\.48550\/arxiv\.(.+)$/;
  var ARXIV_PREFIX = /^arxiv: *(.+)$/;
  var PITH_FULL = /^pith:[0-9]{4}:([a-z2-7]{26})$/;
  var PITH_SHORT = /^pith:([a-z2-7]{4,26})$/;
  var PITH_BARE = /^[a-z2-7]{8,26}$/;
  var SUFFIX_RE = /^[A-Z2-7]{26}$/;
  var PITH_SUFFIX_LEN = 26;
  var MAX_CANDIDATES = 200;

  function query(kind, value, version, prefix) {
    return { kind: kind, value: value, version: version, prefix: prefix };
  }

  function isArxivId(s) {
    return ARXIV_NEW_RE.test(s) || ARXIV_OLD_RE.test(s);
  }

  function formatArxiv(id, version) {
    return version === null || version === undefined ? id : id + "v" + version;
  }

  /* Returns [id, version-or-null] or null.  Input must be ASCII. */
  function parseArxiv(s) {
    if (!PRINTABLE_ASCII_RE.test(s)) return null;
    var low = s.toLowerCase();
    var id, version;
    var m = NEW_WITH_VERSION.exec(low);
    if (m) {
      id = m[1];
      version = m[2];
    } else {
      m = OLD_WITH_VERSION.exec(low);
      if (!m) return null;
      id = m[1] + "/" + m[2];
      version = m[3];
    }
    if (!isArxivId(id)) return null;
    return [id, version ? parseInt(version, 10) : null];
  }

  function urlPath(path) {
    return path.replace(/%2f/gi, "/").replace(/\/+$/, "");
  }

  function arxivQuery(s) {
    var parsed = parseArxiv(s);
    return parsed ? query("arxiv", parsed[0], parsed[1], false) : null;
  }

  function doiQuery(s) {
    var m = ARXIV_DOI.exec(s);
    return m ? arxivQuery(m[1]) : null;
  }

  function pithQuery(suffix) {
    var value = suffix.toUpperCase();
    return query("pith", value, null, value.length < PITH_SUFFIX_LEN);
  }

  function parseLower(s) {
    var m = ARXIV_URL.exec(s);
    if (m) {
      var path = urlPath(m[1]);
      if (path.slice(-4) === ".pdf") path = path.slice(0, -4);
      return arxivQuery(path);
    }
    m = DOI_URL.exec(s);
    if (m) return doiQuery(urlPath(m[1]));
    m = PITH_URL.exec(s);
    if (m) return pithQuery(m[1]);
    m = DOI_PREFIX.exec(s);
    if (m) return doiQuery(m[1]);
    m = ARXIV_PREFIX.exec(s);
    if (m) return arxivQuery(m[1]);
    m = PITH_FULL.exec(s);
    if (m) return pithQuery(m[1]);
    m = PITH_SHORT.exec(s);
    if (m) return pithQuery(m[1]);
    var found = doiQuery(s) || arxivQuery(s);
    if (found) return found;
    if (PITH_BARE.test(s)) return pithQuery(s);
    return null;
  }

  /* Mirror of pithgen.identifiers.parse_query. */
  function parseQuery(q) {
    var stripped = String(q).replace(STRIP_RE, "");
    if (PRINTABLE_ASCII_RE.test(stripped)) {
      var found = parseLower(stripped.toLowerCase());
      if (found) return found;
    }
    return query("none", stripped, null, false);
  }

  /* ------------------------------------------------------------------ tokens */

  var MAX_SPAN_PARTS = 6;
  var MN_RE = /\p{Mn}+/gu;
  var PART = "[\\p{L}\\p{N}][\\p{L}\\p{N}\\p{M}]*";
  var COMPOUND_RE = new RegExp(PART + "(?:[./:-]" + PART + ")*", "gu");
  var SPLIT_RE = /([./:-])/;

  function fold(text) {
    var s = String(text).normalize("NFKC").toLowerCase().replace(/\u03c2/g, "\u03c3");
    s = s.normalize("NFKD").replace(MN_RE, "");
    return s.normalize("NFC");
  }

  function keep(token) {
    return !(token.length === 1 && token.charCodeAt(0) < 128);
  }

  function compounds(text) {
    return fold(text).match(COMPOUND_RE) || [];
  }

  function expand(compound) {
    var pieces = compound.split(SPLIT_RE);
    var n = (pieces.length + 1) >> 1;
    if (n === 1) return [compound];
    var out = [compound];
    var i, j;
    if (n > MAX_SPAN_PARTS) {
      for (i = 0; i < pieces.length; i += 2) out.push(pieces[i]);
      return out;
    }
    for (i = 0; i < n; i++) {
      for (j = n - 1; j >= i; j--) {
        if (i === 0 && j === n - 1) continue;
        out.push(pieces.slice(2 * i, 2 * j + 1).join(""));
      }
    }
    return out;
  }

  /* Mirror of pithgen.tokens.tokenize (index tokens). */
  function tokenize(text) {
    var seen = new Set();
    compounds(text).forEach(function (c) {
      expand(c).forEach(function (t) {
        if (keep(t)) seen.add(t);
      });
    });
    return Array.from(seen);
  }

  /* Mirror of pithgen.tokens.query_tokens (tokens a search requires). */
  function queryTokens(text) {
    var seen = new Set();
    compounds(text).forEach(function (c) {
      if (keep(c)) seen.add(c);
    });
    return Array.from(seen);
  }

  function utf8Bytes(s) {
    if (typeof TextEncoder !== "undefined") return new TextEncoder().encode(s);
    var bin = unescape(encodeURIComponent(s));
    var out = new Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /* 32-bit FNV-1a over UTF-8 bytes, as an unsigned integer. */
  function fnv1a32(s) {
    var bytes = utf8Bytes(String(s));
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  function isPowerOfTwo(n) {
    return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  }

  function shardOf(key, nshards) {
    if (!isPowerOfTwo(nshards)) throw new Error("nshards must be a power of two: " + nshards);
    var width = (nshards - 1).toString(16).length;
    var name = (fnv1a32(key) % nshards).toString(16);
    while (name.length < width) name = "0" + name;
    return name;
  }

  function hasOwn(obj, key) {
    return obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, key);
  }

  /* --------------------------------------------------------------- shard loading */

  var pending = Object.create(null);

  /* Called by every shard file. */
  function pithgenShard(name, data) {
    var entry = pending[String(name)];
    if (entry && !entry.done) {
      entry.done = true;
      entry.resolve(data);
    }
  }

  function makeLoader(doc, root) {
    return function loadShard(name) {
      var entry = pending[name];
      if (entry) return entry.promise;
      entry = { done: false };
      entry.promise = new Promise(function (resolve, reject) {
        entry.resolve = resolve;
        var file = fill(LAYOUT.shardScript, { name: name });
        var script = doc.createElement("script");
        script.src = root + file;
        script.async = true;
        script.onerror = function () {
          if (!entry.done) {
            entry.done = true;
            delete pending[name];
            reject(new Error("could not load " + file));
          }
        };
        script.onload = function () {
          if (!entry.done) {
            entry.done = true;
            delete pending[name];
            reject(new Error(file + " did not contain shard " + name));
          }
        };
        (doc.head || doc.body || doc.documentElement).appendChild(script);
      });
      pending[name] = entry;
      return entry.promise;
    };
  }

  /* --------------------------------------------------------------- DOM helpers */

  function el(doc, tag, className, text) {
    var node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function recordHref(root, suffix) {
    return root + fill(LAYOUT.recordPage, { suffix: suffix });
  }

  function searchParam(loc, key) {
    var search = (loc && loc.search) || "";
    if (typeof URLSearchParams !== "undefined") return new URLSearchParams(search).get(key);
    return null;
  }

  function statusBox(doc, form, id) {
    var box = doc.getElementById(id);
    if (!box) {
      box = el(doc, "div", "status");
      box.id = id;
      if (form.parentNode) form.parentNode.insertBefore(box, form.nextSibling);
    }
    box.setAttribute("aria-live", "polite");
    return box;
  }

  var ACCEPTED_FORMS = [
    "pith:2018:M4NI2KXAZCOWQTM4MGTRDHNEU2 (full Pith Number)",
    "pith:M4NI2KXA or M4NI2KXA (short Pith Number, or 8 to 26 characters of the suffix)",
    "arXiv:1810.06877, 1810.06877v1, astro-ph/9610094",
    "10.48550/arXiv.1810.06877 (arXiv DOI) or a doi.org link",
    "an arxiv.org/abs or /pdf link",
  ];

  function showMessage(doc, box, className, text, list) {
    clear(box);
    box.appendChild(el(doc, "p", className, text));
    if (list && list.length) {
      var ul = el(doc, "ul", "accepted-forms");
      list.forEach(function (item) {
        ul.appendChild(el(doc, "li", null, item));
      });
      box.appendChild(ul);
    }
  }

  /*
   * A message followed by the accepted forms: a link to the page's own list of them
   * (#accepted-forms, the resolve page's help) when it has one, so that they are shown
   * once; the list itself otherwise.
   */
  function showForms(doc, box, text) {
    var help = doc.getElementById("accepted-forms");
    if (!help) {
      showMessage(doc, box, "status-none", text + " Accepted forms:", ACCEPTED_FORMS);
      return;
    }
    showMessage(doc, box, "status-none", text);
    var p = el(doc, "p", "forms-hint");
    var a = el(doc, "a", null, "See the accepted forms below.");
    a.href = "#accepted-forms";
    p.appendChild(a);
    box.appendChild(p);
  }

  function candidateList(doc, root, rows) {
    var ul = el(doc, "ul", "candidates");
    rows.forEach(function (row) {
      var li = el(doc, "li");
      var a = el(doc, "a", null, String(row.pith));
      a.href = recordHref(root, row.suffix);
      li.appendChild(a);
      if (row.extra) li.appendChild(el(doc, "span", "candidate-extra", " " + row.extra));
      if (row.title) li.appendChild(el(doc, "span", "candidate-title", " " + row.title));
      ul.appendChild(li);
    });
    return ul;
  }

  /* --------------------------------------------------------------- resolver */

  /*
   * Resolve a query against the shards.  Returns a promise of
   *   {status: "go", suffix} | {status: "many", rows} | {status: "none", reason}
   * where rows are {suffix, pith, title, extra}.
   */
  function resolveQuery(q, loadShard) {
    var parsed = parseQuery(q);
    if (parsed.kind === "none") return Promise.resolve({ status: "none", reason: "unparsed" });
    return loadShard(LAYOUT.resolveMeta).then(function (meta) {
      if (parsed.kind === "pith") {
        var plen = (meta && meta.pith_prefix_len) || 2;
        if (parsed.value.length < plen) return { status: "none", reason: "short" };
        return loadShard(fill(LAYOUT.resolvePithShard, { prefix: parsed.value.slice(0, plen) })).then(
          function (rows) {
            var hits = [];
            (Array.isArray(rows) ? rows : []).forEach(function (row) {
              if (Array.isArray(row) && SUFFIX_RE.test(row[0]) && row[0].indexOf(parsed.value) === 0) {
                hits.push({ suffix: row[0], pith: row[1], title: row[2], extra: "" });
              }
            });
            // A full Pith Number names its year too: the same suffix under another year
            // is not that number (the year is the v1 submission year, part of the number).
            var year = /^\s*pith:([0-9]{4}):/i.exec(String(q));
            if (year && hits.length === 1 && String(hits[0].pith).indexOf("pith:" + year[1] + ":") !== 0) {
              return { status: "none", reason: "year", actual: hits[0].pith, suffix: hits[0].suffix };
            }
            if (hits.length === 1) return { status: "go", suffix: hits[0].suffix };
            if (hits.length > 1) return { status: "many", rows: hits.slice(0, MAX_CANDIDATES), total: hits.length };
            return { status: "none", reason: "missing" };
          },
          function () {
            return { status: "none", reason: "missing" };
          }
        );
      }
      var n = meta && meta.id_shards;
      var missing = function () {
        return {};
      };
      return loadShard(fill(LAYOUT.resolveIdShard, { shard: shardOf(parsed.value, n) })).then(null, missing).then(function (table) {
        var versions = hasOwn(table, parsed.value) ? table[parsed.value] : [];
        var rows = [];
        (Array.isArray(versions) ? versions : []).forEach(function (v) {
          if (Array.isArray(v) && SUFFIX_RE.test(v[1])) {
            rows.push({ version: v[0], suffix: v[1], pith: v[2], title: v[3], extra: "v" + v[0] });
          }
        });
        if (!rows.length) return { status: "none", reason: "missing" };
        if (parsed.version === null) {
          var best = rows[0];
          rows.forEach(function (r) {
            if (r.version > best.version) best = r;
          });
          return { status: "go", suffix: best.suffix };
        }
        for (var i = 0; i < rows.length; i++) {
          if (rows[i].version === parsed.version) return { status: "go", suffix: rows[i].suffix };
        }
        return { status: "many", rows: rows, reason: "version" };
      });
    });
  }

  /* "Search for ..." after a resolve that found nothing: words are not identifiers. */
  function searchOffer(doc, root, text) {
    var p = el(doc, "p", "search-offer");
    var a = el(doc, "a", null, "Search for \u201c" + text + "\u201d");
    a.href = root + LAYOUT.search + "?q=" + encodeURIComponent(text);
    p.appendChild(a);
    return p;
  }

  /*
   * On 404.html (body data-page="404"): a missing path that looks like an identifier page
   * (pith/..., arxiv/..., doi/...: another case, an alias length the site has no page for)
   * is handed to the resolver.  Returns the query, or null.
   */
  function notFoundQuery(pathname, root) {
    var path = String(pathname || "");
    try {
      path = decodeURIComponent(path);
    } catch (e) {
      return null;
    }
    if (root && root.charAt(0) === "/" && path.indexOf(root) === 0) path = path.slice(root.length);
    path = path.replace(/^\/+/, "").replace(/(\/index\.html|\.html|\.json)$/i, "").replace(/\/+$/, "");
    var m = /^(pith|arxiv|doi)\/(.+)$/i.exec(path);
    if (!m) return null;
    var q = m[2];
    if (m[1].toLowerCase() === "pith") q = "pith:" + q;
    return parseQuery(q).kind === "none" ? null : q;
  }

  function formInput(form) {
    return form && form.elements ? form.elements.namedItem("q") : null;
  }

  /*
   * Resolve forms: #resolve-page-form (the resolve page's own form) and #resolve-form
   * (e.g. in the site header).  Messages go to #resolve-results, or #resolve-status, or a
   * status box created after the form.  A form with an action attribute on a page without
   * a results container is left to submit normally (to resolve.html?q=...).
   */
  function initResolver(doc, loc, root, loadShard) {
    var forms = [doc.getElementById("resolve-page-form"), doc.getElementById("resolve-form")].filter(
      function (f) {
        return f;
      }
    );
    if (!forms.length) return null;
    var container = doc.getElementById("resolve-results") || doc.getElementById("resolve-status");
    var generation = 0;
    var box = null;

    function getBox(form) {
      if (container) {
        container.setAttribute("aria-live", "polite");
        return container;
      }
      if (!box) box = statusBox(doc, form, "resolve-status");
      return box;
    }

    function run(q, form) {
      var mine = ++generation;
      var box = getBox(form);
      var shown = String(q).replace(STRIP_RE, "");
      showMessage(doc, box, "status-working", "Looking up " + shown + " \u2026");
      return resolveQuery(q, loadShard).then(
        function (res) {
          if (mine !== generation) return res;
          if (res.status === "go") {
            showMessage(doc, box, "status-ok", "Found; opening the record \u2026");
            loc.replace(recordHref(root, res.suffix));
          } else if (res.status === "many") {
            var text =
              res.reason === "version"
                ? "No version " + parseQuery(q).version + " of " + parseQuery(q).value +
                  " is in this mirror. Versions available:"
                : res.total + " records start with " + parseQuery(q).value +
                  (res.total > res.rows.length ? " (the first " + res.rows.length + " are listed)" : "") +
                  ":";
            showMessage(doc, box, "status-many", text);
            box.appendChild(candidateList(doc, root, res.rows));
          } else if (res.reason === "year") {
            // The record the number names, under its real year: a link to it.
            clear(box);
            var p = el(doc, "p", "status-none", "Nothing matched \u201c" + shown + "\u201d: this mirror has ");
            var a = el(doc, "a", "year-record", res.actual);
            a.href = recordHref(root, res.suffix);
            p.appendChild(a);
            p.appendChild(el(doc, "span", null, ", with the same suffix but another year. " +
              "A Pith Number's year is part of it."));
            box.appendChild(p);
          } else {
            var why = res.reason === "unparsed"
              ? "it is not a Pith Number, arXiv id or arXiv DOI."
              : "no record in this mirror has that identifier.";
            showForms(doc, box, "Nothing matched \u201c" + shown + "\u201d: " + why);
          }
          if (res.status === "none" && shown) box.appendChild(searchOffer(doc, root, shown));
          return res;
        },
        function (err) {
          if (mine === generation) {
            showMessage(doc, box, "status-error", "The resolver index could not be loaded (" +
              err.message + ").");
          }
          return { status: "error", reason: err.message };
        }
      );
    }

    forms.forEach(function (form) {
      var hasAction = form.getAttribute && form.getAttribute("action");
      if (!container && hasAction) return;
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var input = formInput(form);
        run(input ? input.value : "", form);
      });
    });
    var initial = searchParam(loc, "q");
    var inPage = container || !(forms[0].getAttribute && forms[0].getAttribute("action"));
    if (initial !== null && initial !== "" && inPage) {
      var input = formInput(forms[0]);
      if (input) input.value = initial;
      return run(initial, forms[0]);
    }
    return null;
  }

  /* --------------------------------------------------------------- search */

  /*
   * The search index (pithgen/index.py, section "Search", specifies it; pithgen/search.py
   * is the Python reference of rankQuery and tests/test_js_logic.py compares the two).
   * Token shards are {"t": {token: postings}, "s": {key: [child keys]}}; a posting is
   * (docid - previous docid) * FIELD_SPAN + field bits.
   */
  var RESULTS_SHOWN = 20;
  var FIELD_SPAN = 16;
  var PREFIX_MIN = 3;
  var EXACT = " ";

  function decodePostings(values) {
    var out = [];
    var docid = 0;
    if (!Array.isArray(values)) return out;
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) break;
      docid += Math.floor(v / FIELD_SPAN);
      out.push([docid, v % FIELD_SPAN]);
    }
    return out;
  }

  function startsWith(s, prefix) {
    return s.slice(0, prefix.length) === prefix;
  }

  /* An object part of a shard ("t" or "s"), or an empty one. */
  function part(data, name) {
    var found = hasOwn(data, name) ? data[name] : null;
    return found !== null && typeof found === "object" && !Array.isArray(found) ? found : {};
  }

  /* A well-formed child key: one more character (code point) than its parent. */
  function childOf(child, key) {
    return typeof child === "string" && startsWith(child, key) &&
      Array.from(child).length === Array.from(key).length + 1;
  }

  /*
   * Mirror of pithgen.search.word_postings: a promise of a Map docid -> the best score of
   * the word in that paper (2 * field bits, + 1 for the whole word) over the tokens it
   * matches, loading only the shards of the word's key (or of its subtree).
   */
  function wordPostings(word, loadShard, nshards) {
    var found = Object.create(null);
    function shard(key) {
      return loadShard(fill(LAYOUT.searchTokenShard, { shard: shardOf(key, nshards) })).then(
        null,
        function () {
          return null; /* a missing shard: no token hashed there */
        }
      );
    }
    function take(key, data) {
      var tokens = part(data, "t");
      if (key.slice(-EXACT.length) === EXACT) {
        var exact = key.slice(0, -EXACT.length);
        if (hasOwn(tokens, exact) && startsWith(exact, word)) found[exact] = tokens[exact];
        return;
      }
      Object.keys(tokens).forEach(function (token) {
        if (startsWith(token, word) && startsWith(token, key)) found[token] = tokens[token];
      });
    }
    var chars = Array.from(word);
    var done;
    if (chars.length < PREFIX_MIN) {
      done = shard(word).then(function (data) {
        var tokens = part(data, "t");
        if (hasOwn(tokens, word)) found[word] = tokens[word];
      });
    } else {
      var first = chars.slice(0, PREFIX_MIN).join("");
      done = shard(first).then(function (data) {
        var splits = part(data, "s");
        var length = PREFIX_MIN;
        var key = first;
        while (hasOwn(splits, key) && length < chars.length) {
          length++;
          key = chars.slice(0, length).join("");
        }
        if (!hasOwn(splits, key)) {
          if (length === PREFIX_MIN) return take(key, data);
          return shard(key).then(function (leaf) {
            take(key, leaf);
          });
        }
        var loads = [];
        var todo = [key];
        while (todo.length) {
          var node = todo.pop();
          var children = Array.isArray(splits[node]) ? splits[node] : [];
          children.forEach(function (child) {
            if (!childOf(child, node)) return;
            if (hasOwn(splits, child)) todo.push(child);
            else {
              loads.push(shard(child).then(function (leaf) {
                take(child, leaf);
              }));
            }
          });
        }
        return Promise.all(loads);
      });
    }
    return done.then(function () {
      var best = new Map();
      Object.keys(found).forEach(function (token) {
        var exact = token === word ? 1 : 0;
        decodePostings(found[token]).forEach(function (posting) {
          var score = 2 * posting[1] + exact;
          var had = best.get(posting[0]);
          if (had === undefined || score > had) best.set(posting[0], score);
        });
      });
      return best;
    });
  }

  /*
   * Mirror of pithgen.search.rank: a promise of {tokens, ranked} where ranked lists
   * [docid, score] of the papers matching every word, best score first, then newest.
   */
  function rankQuery(q, loadShard) {
    var words = queryTokens(q);
    if (!words.length) return Promise.resolve({ tokens: words, ranked: [] });
    return loadShard(LAYOUT.searchMeta).then(function (meta) {
      var n = meta && meta.token_shards;
      if (!isPowerOfTwo(n)) throw new Error("the search index has no token_shards");
      return Promise.all(
        words.map(function (w) {
          return wordPostings(w, loadShard, n);
        })
      ).then(function (maps) {
        var total = maps[0];
        for (var k = 1; k < maps.length; k++) {
          var next = new Map();
          var other = maps[k];
          total.forEach(function (score, docid) {
            if (other.has(docid)) next.set(docid, score + other.get(docid));
          });
          total = next;
        }
        var ranked = Array.from(total.entries()).sort(function (a, b) {
          return b[1] - a[1] || a[0] - b[0];
        });
        return { tokens: words, ranked: ranked };
      });
    });
  }

  /*
   * Run a search.  Returns a promise of {tokens, total, docs, offset} where docs are the
   * paper rows (arrays from the document blocks) of results offset to offset + limit:
   * only the blocks holding them are loaded.
   */
  function searchQuery(q, loadShard, limit, offset) {
    var max = limit || RESULTS_SHOWN;
    var start = offset > 0 ? offset : 0;
    return rankQuery(q, loadShard).then(function (res) {
      if (!res.ranked.length) return { tokens: res.tokens, total: 0, docs: [], offset: start };
      return loadShard(LAYOUT.searchMeta).then(function (meta) {
        var block = meta && meta.doc_block;
        if (!Number.isInteger(block) || block < 1) throw new Error("the search index has no doc_block");
        var shown = res.ranked.slice(start, start + max).map(function (r) {
          return r[0];
        });
        var blocks = [];
        shown.forEach(function (d) {
          var b = Math.floor(d / block);
          if (blocks.indexOf(b) < 0) blocks.push(b);
        });
        return Promise.all(
          blocks.map(function (b) {
            return loadShard(fill(LAYOUT.searchDocBlock, { block: b }));
          })
        ).then(function (loaded) {
          var docs = [];
          shown.forEach(function (d) {
            var rows = loaded[blocks.indexOf(Math.floor(d / block))];
            var row = Array.isArray(rows) ? rows[d - Math.floor(d / block) * block] : null;
            if (Array.isArray(row) && SUFFIX_RE.test(row[0])) docs.push(row);
          });
          return { tokens: res.tokens, total: res.ranked.length, docs: docs, offset: start };
        });
      });
    });
  }

  /* Whether an index token is matched by a query word (see wordPostings). */
  function wordMatches(token, word) {
    return token === word || (Array.from(word).length >= PREFIX_MIN && startsWith(token, word));
  }

  /*
   * The text split into [piece, matched] pieces for highlighting: a word of the text is
   * matched when a query word matches it (folded as the index folds it); a query word
   * spelled with "." "/" ":" or "-" (an identifier) marks the whole compound it matches.
   */
  function highlightParts(text, words) {
    var s = String(text);
    var out = [];
    var last = 0;
    function push(piece, marked) {
      if (!piece) return;
      if (out.length && out[out.length - 1][1] === marked) out[out.length - 1][0] += piece;
      else out.push([piece, marked]);
    }
    var compoundWords = words.filter(function (w) {
      return SPLIT_RE.test(w);
    });
    var re = new RegExp(COMPOUND_RE.source, "gu");
    var m;
    while ((m = re.exec(s)) !== null) {
      var compound = m[0];
      var at = m.index;
      var tokens = compoundWords.length ? tokenize(compound) : [];
      var whole = compoundWords.some(function (w) {
        return tokens.some(function (t) {
          return wordMatches(t, w);
        });
      });
      if (whole) {
        push(s.slice(last, at), false);
        push(compound, true);
        last = at + compound.length;
        continue;
      }
      var pos = at;
      compound.split(SPLIT_RE).forEach(function (piece, i) {
        var folded = i % 2 === 0 ? fold(piece) : "";
        var hit = folded && words.some(function (w) {
          return wordMatches(folded, w);
        });
        if (hit) {
          push(s.slice(last, pos), false);
          push(piece, true);
          last = pos + piece.length;
        }
        pos += piece.length;
      });
    }
    push(s.slice(last), false);
    return out;
  }

  /* Appends the text to parent, its matched words in <mark> elements (never markup). */
  function appendMarked(doc, parent, text, words) {
    highlightParts(text, words).forEach(function (piece) {
      if (piece[1]) parent.appendChild(el(doc, "mark", null, piece[0]));
      else parent.appendChild(doc.createTextNode(piece[0]));
    });
  }

  /*
   * Whether a search query is worth offering to the resolver: an arXiv id, or a Pith
   * suffix written with "pith:" or containing a base32 digit (plain 8-letter words like
   * "topology" are valid base32 but are almost always words).
   */
  function looksLikeIdentifier(q) {
    var parsed = parseQuery(q);
    if (parsed.kind === "arxiv") return true;
    if (parsed.kind !== "pith") return false;
    return /[2-7]/.test(parsed.value) || /pith/i.test(String(q));
  }

  /* One result: a paper's newest version (matched words marked), its other versions. */
  function renderResult(doc, root, row, words) {
    var li = el(doc, "li", "result");
    var a = el(doc, "a", "result-title");
    appendMarked(doc, a, row[2] || row[1], words);
    a.href = recordHref(root, row[0]);
    li.appendChild(a);
    if (row[3]) {
      var authors = el(doc, "div", "result-authors");
      appendMarked(doc, authors, row[3], words);
      li.appendChild(authors);
    }
    var meta = el(doc, "div", "result-meta");
    [["result-arxiv", row[4] ? "arXiv:" + row[4] : ""], ["result-cat", row[5]],
      ["result-year", row[6]], ["result-pith pith-number", row[1]]].forEach(function (pair) {
      if (pair[1] !== undefined && pair[1] !== null && pair[1] !== "") {
        meta.appendChild(el(doc, "span", pair[0], pair[1]));
      }
    });
    li.appendChild(meta);
    var others = (Array.isArray(row[7]) ? row[7] : []).filter(function (v) {
      return Array.isArray(v) && Number.isInteger(v[0]) && SUFFIX_RE.test(v[1]);
    });
    if (others.length) {
      var id = String(row[4] || "").replace(/v[0-9]+$/, "");
      var versions = el(doc, "div", "result-versions");
      versions.appendChild(doc.createTextNode("also "));
      others.forEach(function (v, i) {
        if (i) versions.appendChild(doc.createTextNode(", "));
        var link = el(doc, "a", null, "v" + v[0]);
        link.href = recordHref(root, v[1]);
        link.setAttribute("title", "arXiv:" + id + "v" + v[0] + " \u00b7 pith:" + v[1].slice(0, 8));
        versions.appendChild(link);
      });
      li.appendChild(versions);
    }
    return li;
  }

  function initSearch(doc, loc, hist, root, loadShard) {
    var form = doc.getElementById("search-form");
    var results = doc.getElementById("search-results");
    if (!form || !results) return null;
    var input = form.elements ? form.elements.namedItem("q") : null;
    var generation = 0;

    function pageLink(q, page, text, rel) {
      var a = el(doc, "a", null, text);
      a.href = root + LAYOUT.search + "?q=" + encodeURIComponent(q) + (page > 1 ? "&page=" + page : "");
      a.setAttribute("rel", rel);
      return a;
    }

    function run(q, page) {
      var mine = ++generation;
      var shown = String(q).replace(STRIP_RE, "");
      var number = page > 1 ? page : 1;
      clear(results);
      results.appendChild(el(doc, "p", "status-working", "Searching \u2026"));
      return searchQuery(q, loadShard, RESULTS_SHOWN, (number - 1) * RESULTS_SHOWN).then(
        function (res) {
          if (mine !== generation) return res;
          clear(results);
          if (looksLikeIdentifier(q)) {
            var hint = el(doc, "p", "search-hint", "This looks like an identifier: ");
            var link = el(doc, "a", null, "resolve " + shown);
            link.href = root + LAYOUT.resolve + "?q=" + encodeURIComponent(shown);
            hint.appendChild(link);
            results.appendChild(hint);
          }
          if (!res.tokens.length) {
            results.appendChild(el(doc, "p", "status-none",
              "Type at least one word (single letters and digits are not indexed)."));
            return res;
          }
          if (!res.total) {
            results.appendChild(el(doc, "p", "status-none",
              "No papers match \u201c" + shown + "\u201d. Every word must be, or begin, a " +
              "word of the title, authors, abstract, arXiv id or category."));
            return res;
          }
          var countText = res.total === 1 ? "1 paper" : res.total + " papers";
          if (res.total > res.docs.length) {
            countText += " (showing " + (res.offset + 1) + "\u2013" +
              (res.offset + res.docs.length) + ", best matches first)";
          }
          results.appendChild(el(doc, "p", "search-count", countText + " for \u201c" + shown + "\u201d"));
          var ol = el(doc, "ol", "results");
          ol.setAttribute("start", String(res.offset + 1));
          res.docs.forEach(function (row) {
            ol.appendChild(renderResult(doc, root, row, res.tokens));
          });
          results.appendChild(ol);
          if (res.total > RESULTS_SHOWN) {
            var nav = el(doc, "nav", "pagination");
            nav.setAttribute("aria-label", "Result pages");
            if (number > 1) nav.appendChild(pageLink(shown, number - 1, "\u2190 previous", "prev"));
            if (res.offset + res.docs.length < res.total) {
              nav.appendChild(pageLink(shown, number + 1, "next \u2192", "next"));
            }
            results.appendChild(nav);
          }
          return res;
        },
        function (err) {
          if (mine === generation) {
            clear(results);
            results.appendChild(el(doc, "p", "status-error",
              "The search index could not be loaded (" + err.message + ")."));
          }
          return { tokens: [], total: 0, docs: [], error: err.message };
        }
      );
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = input ? input.value : "";
      try {
        if (hist && hist.replaceState) hist.replaceState(null, "", "?q=" + encodeURIComponent(q));
      } catch (e) {
        /* file:// pages may refuse history changes; the search still runs. */
      }
      run(q, 1);
    });
    var initial = searchParam(loc, "q");
    if (initial !== null && initial !== "") {
      if (input) input.value = initial;
      return run(initial, parseInt(searchParam(loc, "page") || "1", 10) || 1);
    }
    return null;
  }

  /* --------------------------------------------------------------- theme and copy */

  /*
   * Progressive enhancements: the page works without them (the toggle and the copy
   * buttons are rendered hidden and only shown here).
   *
   * The theme toggle: <html data-theme="light|dark"> overrides prefers-color-scheme (see
   * pithgen.css) and the choice is remembered in localStorage (the page's head applies it
   * before the first paint).  aria-pressed says whether the dark theme is on.
   */
  var THEME_KEY = "pithgen-theme";

  function store(win) {
    try {
      return (win && win.localStorage) || null;
    } catch (e) {
      return null; /* storage refused (privacy settings): the toggle still works */
    }
  }

  function initTheme(doc, win) {
    var button = doc.getElementById("theme-toggle");
    var html = doc.documentElement;
    if (!button || !html || !html.setAttribute) return null;
    var media = win && win.matchMedia ? win.matchMedia("(prefers-color-scheme: dark)") : null;
    var saved = store(win);
    try {
      var chosen = saved && saved.getItem(THEME_KEY);
      if ((chosen === "light" || chosen === "dark") && !html.getAttribute("data-theme")) {
        html.setAttribute("data-theme", chosen);
      }
    } catch (e) {
      /* unreadable storage: follow the system */
    }
    function current() {
      var theme = html.getAttribute("data-theme");
      if (theme === "light" || theme === "dark") return theme;
      return media && media.matches ? "dark" : "light";
    }
    function show() {
      button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    }
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      html.setAttribute("data-theme", next);
      try {
        if (saved) saved.setItem(THEME_KEY, next);
      } catch (e) {
        /* not remembered, but applied */
      }
      show();
    });
    if (media && media.addEventListener) media.addEventListener("change", show);
    button.hidden = false;
    show();
    return { current: current };
  }

  /* Copies with the Clipboard API, or by selecting a hidden textarea where it is missing. */
  function copyText(doc, win, text) {
    var clipboard = win && win.navigator && win.navigator.clipboard;
    function fallback() {
      var area = doc.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.top = "-1000px";
      doc.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = doc.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      doc.body.removeChild(area);
      return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
    }
    if (clipboard && clipboard.writeText) return clipboard.writeText(text).catch(fallback);
    return fallback();
  }

  /* <button data-copy="ID"> copies the text of the element #ID and says so beside it. */
  function initCopy(doc, win) {
    if (typeof doc.querySelectorAll !== "function") return 0;
    var count = 0;
    Array.prototype.forEach.call(doc.querySelectorAll("button[data-copy]"), function (button) {
      var source = doc.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      var status = el(doc, "span", "copy-status");
      status.setAttribute("role", "status");
      button.parentNode.insertBefore(status, button.nextSibling);
      button.addEventListener("click", function () {
        status.textContent = "";
        copyText(doc, win, source.textContent).then(
          function () {
            status.textContent = " Copied.";
            button.focus(); /* the fallback's textarea took the focus */
          },
          function () {
            status.textContent = " Could not copy: select the text and copy it.";
            button.focus();
          }
        );
      });
      button.hidden = false;
      count++;
    });
    return count;
  }

  /* --------------------------------------------------------------- wiring */

  function init(doc, loc, hist) {
    var win = typeof window !== "undefined" ? window : null;
    var theme = initTheme(doc, win);
    var copies = initCopy(doc, win);
    var root = (doc.body && doc.body.dataset && doc.body.dataset.root) || "";
    // Only with a root-relative root (the site knows its base URL): a relative one would
    // resolve against the missing path itself.
    if (doc.body && doc.body.dataset && doc.body.dataset.page === "404" && root.charAt(0) === "/") {
      var q = notFoundQuery(loc.pathname, root);
      if (q !== null) {
        loc.replace(root + LAYOUT.resolve + "?q=" + encodeURIComponent(q));
        return { resolve: null, search: null, theme: theme, copies: copies };
      }
    }
    var loadShard = makeLoader(doc, root);
    return {
      resolve: initResolver(doc, loc, root, loadShard),
      search: initSearch(doc, loc, hist, root, loadShard),
      theme: theme,
      copies: copies,
    };
  }

  var api = {
    parseQuery: parseQuery,
    OLD_ARCHIVES: OLD_ARCHIVES.slice(),
    parseArxiv: parseArxiv,
    isArxivId: isArxivId,
    formatArxiv: formatArxiv,
    LAYOUT: LAYOUT,
    tokenize: tokenize,
    queryTokens: queryTokens,
    fnv1a32: fnv1a32,
    shardOf: shardOf,
    decodePostings: decodePostings,
    rankQuery: rankQuery,
    highlightParts: highlightParts,
    PREFIX_MIN: PREFIX_MIN,
    FIELD_SPAN: FIELD_SPAN,
    looksLikeIdentifier: looksLikeIdentifier,
    notFoundQuery: notFoundQuery,
    resolveQuery: resolveQuery,
    searchQuery: searchQuery,
    makeLoader: makeLoader,
    pithgenShard: pithgenShard,
    init: init,
  };

  global.pithgenShard = pithgenShard;
  global.pithgen = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;

  if (typeof document !== "undefined" && typeof location !== "undefined") {
    var start = function () {
      init(document, location, typeof history !== "undefined" ? history : null);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})(typeof globalThis !== "undefined" ? globalThis : typeof window !== "undefined" ? window : this);
