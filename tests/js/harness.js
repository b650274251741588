// Node harness: runs the pure logic of templates/assets/pithgen.js on inputs given as JSON.
//
// usage: node harness.js INPUT.json
// INPUT: {"resolve": [query, ...], "tokens": [text, ...], "hash": [[key, nshards], ...],
//         "layout": true, "archives": true}
// prints {"resolve": [{kind, value, version, prefix}, ...],
//         "tokens": [{tokens, query_tokens}, ...],
//         "hash": [{fnv1a32, shard}, ...], "layout": {the script's LAYOUT object},
//         "archives": [the script's OLD_ARCHIVES]}
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
process.stdout.write(JSON.stringify(out));
