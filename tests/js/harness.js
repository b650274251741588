// Node harness: runs the pure logic of templates/assets/pithgen.js on inputs given as JSON.
//
// usage: node harness.js INPUT.json
// INPUT: {"resolve": [query, ...], "tokens": [text, ...], "hash": [[key, nshards], ...],
//         "layout": true, "archives": true, "constants": true,
//         "rank": {"site": "/abs/site/dir", "queries": [query, ...]},
//         "search": {"site": "/abs/site/dir", "queries": [[query, limit, offset], ...]},
//         "highlight": [[text, [word, ...]], ...], "decode": [[posting, ...], ...]}
// prints {"resolve": [{kind, value, version, prefix}, ...],
//         "tokens": [{tokens, query_tokens}, ...],
//         "hash": [{fnv1a32, shard}, ...], "layout": {the script's LAYOUT object},
//         "archives": [the script's OLD_ARCHIVES], "constants": {PREFIX_MIN, FIELD_SPAN},
//         "rank": [{tokens, ranked: [[docid, score], ...], shards: [names loaded]}, ...],
//         "search": [{tokens, total, offset, docs: [paper row, ...], shards: [...]}, ...],
//         "highlight": [[[piece, marked], ...], ...], "decode": [[[docid, bits], ...], ...]}
// Shards of "rank" and "search" are read from the site's files (search/meta.js ...) by evaluating them
// with a local pithgenShard, as a page would load them; a missing file is a failed load.
"use strict";
const fs = require("fs");
const path = require("path");

const pithgen = require(path.join(__dirname, "..", "..", "templates", "assets", "pithgen.js"));

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = {};
if (input.resolve) {
  out.resolve = input.resolve.map((q) => pithgen.parseQuery(q));
}
if (input.tokens) {
  out.tokens = input.tokens.map((t) => ({
    tokens: pithgen.tokenize(t),
    query_tokens: pithgen.queryTokens(t),
  }));
}
if (input.layout) {
  out.layout = pithgen.LAYOUT;
}
if (input.archives) {
  out.archives = pithgen.OLD_ARCHIVES;
}
if (input.hash) {
  out.hash = input.hash.map(([key, n]) => ({ fnv1a32: pithgen.fnv1a32(key), shard: pithgen.shardOf(key, n) }));
}
if (input.constants) {
  out.constants = { PREFIX_MIN: pithgen.PREFIX_MIN, FIELD_SPAN: pithgen.FIELD_SPAN };
}
if (input.highlight) {
  out.highlight = input.highlight.map(([text, words]) => pithgen.highlightParts(text, words));
}
if (input.decode) {
  out.decode = input.decode.map((values) => pithgen.decodePostings(values));
}

function shardLoader(site, loaded) {
  return function loadShard(name) {
    loaded.push(name);
    let code;
    try {
      code = fs.readFileSync(path.join(site, name + ".js"), "utf8");
    } catch (e) {
      return Promise.reject(new Error("could not load " + name));
    }
    let data;
    new Function("pithgenShard", code)((_, d) => {
      data = d;
    });
    return Promise.resolve(data);
  };
}

async function main() {
  if (input.rank) {
    out.rank = [];
    for (const q of input.rank.queries) {
      const loaded = [];
      const res = await pithgen.rankQuery(q, shardLoader(input.rank.site, loaded));
      out.rank.push({ tokens: res.tokens, ranked: res.ranked, shards: loaded });
    }
  }
  if (input.search) {
    out.search = [];
    for (const [q, limit, offset] of input.search.queries) {
      const loaded = [];
      const res = await pithgen.searchQuery(q, shardLoader(input.search.site, loaded), limit, offset);
      out.search.push({ ...res, shards: loaded });
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
