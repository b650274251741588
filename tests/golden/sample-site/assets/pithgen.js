/*
 * pithgen.js: the only script of a pithgen site.  No dependencies, no build step.
 *
 * Works from file:// (where fetch() is blocked): every index is a small "shard" script
 *   pithgenShard("<name>", <JSON>);
 * loaded on demand with a <script> tag.  The page gives the relative path to the site
 * root in <body data-root="../../">.
 *
 * The pure logic (parseQuery, tokenize, queryTokens, fnv1a32, shardOf) mirrors
 * pithgen/identifiers.py and pithgen/tokens.py exactly; tests/test_js_logic.py runs both
 * on the same fixtures.  Change them together.
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

  /* Sorted-array intersection of docid lists (AND), smallest list first. */
  function intersect(lists) {
    if (lists.length === 0) return [];
    var sorted = lists.slice().sort(function (a, b) {
      return a.length - b.length;
    });
    var result = sorted[0];
    for (var k = 1; k < sorted.length && result.length; k++) {
      var other = sorted[k];
      var next = [];
      var i = 0;
      var j = 0;
      while (i < result.length && j < other.length) {
        if (result[i] === other[j]) {
          next.push(result[i]);
          i++;
          j++;
        } else if (result[i] < other[j]) i++;
        else j++;
      }
      result = next;
    }
    return result;
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

  var RESULTS_SHOWN = 50;

  /*
   * Run a search.  Returns a promise of {tokens, total, docs} where docs are the first
   * RESULTS_SHOWN matching doc rows (as arrays from the doc shards).
   */
  function searchQuery(q, loadShard, limit, offset) {
    var tokens = queryTokens(q);
    var max = limit || RESULTS_SHOWN;
    var start = offset > 0 ? offset : 0;
    if (!tokens.length) return Promise.resolve({ tokens: tokens, total: 0, docs: [] });
    return loadShard(LAYOUT.searchMeta).then(function (meta) {
      var m = meta.token_shards;
      var block = meta.doc_block;
      return Promise.all(
        tokens.map(function (t) {
          // A missing token shard means no token hashed there: no documents.
          return loadShard(fill(LAYOUT.searchTokenShard, { shard: shardOf(t, m) })).then(
            function (table) {
              var ids = hasOwn(table, t) ? table[t] : [];
              return Array.isArray(ids) ? ids : [];
            },
            function () {
              return [];
            }
          );
        })
      ).then(function (lists) {
        var ids = intersect(lists);
        var first = ids.slice(start, start + max);
        var blocks = [];
        first.forEach(function (d) {
          var b = Math.floor(d / block);
          if (blocks.indexOf(b) < 0) blocks.push(b);
        });
        return Promise.all(
          blocks.map(function (b) {
            return loadShard(fill(LAYOUT.searchDocBlock, { block: b }));
          })
        ).then(function (loaded) {
          var docs = [];
          first.forEach(function (d) {
            var rows = loaded[blocks.indexOf(Math.floor(d / block))];
            var row = Array.isArray(rows) ? rows[d - Math.floor(d / block) * block] : null;
            if (Array.isArray(row) && SUFFIX_RE.test(row[0])) docs.push(row);
          });
          return { tokens: tokens, total: ids.length, docs: docs, offset: start };
        });
      });
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

  function renderResult(doc, root, row) {
    var li = el(doc, "li", "result");
    var a = el(doc, "a", "result-title", row[2] || row[1]);
    a.href = recordHref(root, row[0]);
    li.appendChild(a);
    if (row[3]) li.appendChild(el(doc, "div", "result-authors", row[3]));
    var meta = el(doc, "div", "result-meta");
    [["result-arxiv", row[4] ? "arXiv:" + row[4] : ""], ["result-cat", row[5]],
      ["result-year", row[6]], ["result-pith pith-number", row[1]]].forEach(function (pair) {
      if (pair[1] !== undefined && pair[1] !== null && pair[1] !== "") {
        meta.appendChild(el(doc, "span", pair[0], pair[1]));
      }
    });
    li.appendChild(meta);
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
              "No records match \u201c" + shown + "\u201d. Every word must appear in the " +
              "title, authors, arXiv id or category."));
            return res;
          }
          var countText = res.total === 1 ? "1 record" : res.total + " records";
          if (res.total > res.docs.length) {
            countText += " (showing " + (res.offset + 1) + "\u2013" +
              (res.offset + res.docs.length) + ", newest first)";
          }
          results.appendChild(el(doc, "p", "search-count", countText + " for \u201c" + shown + "\u201d"));
          var ol = el(doc, "ol", "results");
          ol.setAttribute("start", String(res.offset + 1));
          res.docs.forEach(function (row) {
            ol.appendChild(renderResult(doc, root, row));
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
    intersect: intersect,
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
