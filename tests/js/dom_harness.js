// Node harness: runs pithgen.js's resolver and search against a fake DOM and a site
// directory of shard files, loading shards the way a browser does (a <script> element per
// shard, onload/onerror), with no network and no fetch().
//
// usage: node dom_harness.js INPUT.json
// INPUT: {"site": "/abs/site/dir", "page_dir": "sub/dir" (page location inside the site),
//         "root": "../../" (the page's data-root), "runs": [{"page": "resolve"|"resolve-header"|
//         "resolve-page"|"search", "q": "...", "via": "url"|"submit"|"header-submit"}, ...]}
// prints [{"replaced": url-or-null, "nodes": [{tag, cls, text, full, href, title}, ...],
//          "scripts": [src, ...]}, ...] : one entry per run ("text" is a node's own text,
//          "full" its text with its children's; text nodes have the tag "#text").
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const PITHGEN_JS = path.join(__dirname, "..", "..", "templates", "assets", "pithgen.js");

// A fresh copy of pithgen.js per run, so that no shard cache carries over between runs.
function freshPithgen() {
  delete require.cache[require.resolve(PITHGEN_JS)];
  return require(PITHGEN_JS);
}

class FakeElement {
  constructor(doc, tag) {
    this.ownerDocument = doc;
    this.tagName = tag.toUpperCase();
    this.childNodes = [];
    this.parentNode = null;
    this.className = "";
    this.id = "";
    this.attributes = {};
    this.listeners = {};
    this._text = "";
    this.value = "";
  }
  get firstChild() {
    return this.childNodes[0] || null;
  }
  get nextSibling() {
    if (!this.parentNode) return null;
    const sibs = this.parentNode.childNodes;
    return sibs[sibs.indexOf(this) + 1] || null;
  }
  set textContent(v) {
    this.childNodes = [];
    this._text = String(v);
  }
  get textContent() {
    return this._text + this.childNodes.map((c) => c.textContent).join("");
  }
  set innerHTML(v) {
    throw new Error("innerHTML must not be used (got " + String(v).slice(0, 40) + ")");
  }
  get innerHTML() {
    throw new Error("innerHTML must not be used");
  }
  appendChild(child) {
    if (child.parentNode) child.parentNode.removeChild(child);
    child.parentNode = this;
    this.childNodes.push(child);
    if (child.tagName === "SCRIPT") this.ownerDocument._loadScript(child);
    return child;
  }
  insertBefore(child, ref) {
    if (!ref) return this.appendChild(child);
    child.parentNode = this;
    this.childNodes.splice(this.childNodes.indexOf(ref), 0, child);
    return child;
  }
  removeChild(child) {
    this.childNodes.splice(this.childNodes.indexOf(child), 1);
    child.parentNode = null;
    return child;
  }
  setAttribute(k, v) {
    this.attributes[k] = String(v);
  }
  getAttribute(k) {
    return Object.prototype.hasOwnProperty.call(this.attributes, k) ? this.attributes[k] : null;
  }
  addEventListener(type, fn) {
    (this.listeners[type] = this.listeners[type] || []).push(fn);
  }
  dispatch(type) {
    let prevented = false;
    const ev = { type, preventDefault: () => (prevented = true) };
    (this.listeners[type] || []).forEach((fn) => fn(ev));
    return prevented;
  }
  walk(out) {
    out.push(this);
    this.childNodes.forEach((c) => c.walk(out));
    return out;
  }
}

class FakeText {
  constructor(text) {
    this.tagName = "#TEXT";
    this.parentNode = null;
    this.childNodes = [];
    this._text = String(text);
    this.className = "";
  }
  get textContent() {
    return this._text;
  }
  walk(out) {
    out.push(this);
    return out;
  }
}

class FakeDocument {
  constructor(siteDir, pageDir, root) {
    this.siteDir = siteDir;
    this.pageDir = pageDir;
    this.readyState = "complete";
    this.documentElement = new FakeElement(this, "html");
    this.head = this.documentElement.appendChild(new FakeElement(this, "head"));
    this.body = this.documentElement.appendChild(new FakeElement(this, "body"));
    this.body.dataset = { root };
    this.scripts = [];
    this.inflight = [];
  }
  createElement(tag) {
    return new FakeElement(this, tag);
  }
  createTextNode(text) {
    return new FakeText(text);
  }
  getElementById(id) {
    return this.documentElement.walk([]).find((e) => e.id === id) || null;
  }
  _loadScript(script) {
    this.scripts.push(script.src);
    const file = path.resolve(this.siteDir, this.pageDir, script.src);
    const p = new Promise((resolve) => setTimeout(resolve, 1)).then(() => {
      let code;
      try {
        code = fs.readFileSync(file, "utf8");
      } catch (e) {
        if (script.onerror) script.onerror(new Error("404"));
        return;
      }
      vm.runInThisContext(code, { filename: file });
      if (script.onload) script.onload();
    });
    this.inflight.push(p);
  }
}

function makeForm(doc, id, action) {
  const form = doc.createElement("form");
  form.id = id;
  if (action) form.setAttribute("action", action);
  const input = doc.createElement("input");
  input.name = "q";
  form.appendChild(input);
  form.elements = { namedItem: (n) => (n === "q" ? input : null) };
  doc.body.appendChild(form);
  return { form, input };
}

// Page kinds:
//   resolve        : a #resolve-form without action and no results container
//   resolve-header : a #resolve-form with action="resolve.html", no container (any page)
//   resolve-page   : like templates/resolve.html: header #resolve-form with action,
//                    #resolve-page-form with action, #resolve-results
//   search         : #search-form and #search-results
function makePage(doc, kind, root) {
  if (kind === "resolve") return makeForm(doc, "resolve-form", null);
  if (kind === "resolve-header") return makeForm(doc, "resolve-form", root + "resolve.html");
  if (kind === "resolve-page") {
    const header = makeForm(doc, "resolve-form", root + "resolve.html");
    const page = makeForm(doc, "resolve-page-form", "resolve.html");
    const results = doc.createElement("div");
    results.id = "resolve-results";
    doc.body.appendChild(results);
    return Object.assign(page, { header });
  }
  const page = makeForm(doc, "search-form", "search.html");
  const results = doc.createElement("div");
  results.id = "search-results";
  doc.body.appendChild(results);
  return page;
}

async function settle(doc) {
  // Wait until no script loads are pending and the promise chains have run.
  for (let i = 0; i < 50; i++) {
    const n = doc.inflight.length;
    await Promise.all(doc.inflight);
    await new Promise((r) => setTimeout(r, 2));
    if (doc.inflight.length === n) return;
  }
}

async function main() {
  const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const out = [];
  for (const run of input.runs) {
    const doc = new FakeDocument(input.site, input.page_dir || "", input.root || "");
    const page = makePage(doc, run.page, input.root || "");
    const loc = {
      search: run.via === "url" ? "?q=" + encodeURIComponent(run.q) + (run.extra || "") : "",
      replaced: null,
      replace(url) {
        this.replaced = url;
      },
    };
    freshPithgen().init(doc, loc, null);
    let prevented = null;
    if (run.via === "submit" || run.via === "header-submit") {
      const target = run.via === "header-submit" ? page.header || page : page;
      target.input.value = run.q;
      prevented = target.form.dispatch("submit");
    }
    await settle(doc);
    const nodes = doc.body
      .walk([])
      .filter((e) => e !== doc.body && e.tagName !== "FORM" && e.tagName !== "INPUT")
      .map((e) => ({
        tag: e.tagName.toLowerCase(),
        cls: e.className,
        text: e._text,
        full: e.textContent,
        href: e.href || null,
        title: e.attributes ? e.attributes.title || null : null,
      }));
    out.push({ replaced: loc.replaced, nodes, scripts: doc.scripts, prevented, input: page.input.value });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
