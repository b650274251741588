// Node harness: runs templates/assets/verify.js on inputs given as JSON (tests/test_verify_js.py).
//
// usage: node verify_harness.js INPUT.json
// INPUT: {"sha256": [base64 bytes, ...], "documents": [base64 bytes, ...],
//         "floats": [JSON number text, ...], "vectors": [{key, sig, msg} as hex, ...],
//         "pages": [page data block, ...], "no_ed25519": true|false}
// prints {"sha256": [hex, ...], "documents": [{canonical} or {error}, ...],
//         "floats": [repr, ...], "vectors": [{valid, reason, unavailable}, ...],
//         "pages": [{outcome, steps: [{id, outcome, text}]}, ...]}
// With "no_ed25519", Web Crypto's importKey refuses Ed25519 as a browser without it does
// (NotSupportedError) before anything runs.
"use strict";
const fs = require("fs");
const path = require("path");

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
if (input.no_ed25519) {
  const subtle = globalThis.crypto.subtle;
  const original = subtle.importKey.bind(subtle);
  subtle.importKey = (format, key, algorithm, ...rest) => {
    const name = typeof algorithm === "string" ? algorithm : algorithm && algorithm.name;
    if (String(name).toLowerCase() === "ed25519") {
      return Promise.reject(new DOMException("Unrecognized algorithm name", "NotSupportedError"));
    }
    return original(format, key, algorithm, ...rest);
  };
}
const verify = require(path.join(__dirname, "..", "..", "templates", "assets", "verify.js"));
const bytes = (b64) => new Uint8Array(Buffer.from(b64, "base64"));
const fromHex = (text) => new Uint8Array(Buffer.from(text, "hex"));

async function main() {
  const out = {};
  if (input.sha256) out.sha256 = input.sha256.map((b) => verify.hex(verify.sha256(bytes(b))));
  if (input.documents) {
    out.documents = input.documents.map((b) => {
      try {
        const doc = verify.parseDocument(bytes(b));
        return { canonical: verify.canonicalJSON(doc) };
      } catch (e) {
        if (e.name !== "JSONDefect") throw e;
        return { error: e.message };
      }
    });
  }
  if (input.floats) out.floats = input.floats.map((t) => verify.floatRepr(Number(t)));
  if (input.vectors) {
    out.vectors = [];
    for (const v of input.vectors) {
      const verdict = await verify.verifyEd25519(fromHex(v.key), fromHex(v.sig), fromHex(v.msg));
      out.vectors.push({ valid: !!verdict.valid, reason: verdict.reason, unavailable: !!verdict.unavailable });
    }
  }
  if (input.pages) {
    out.pages = [];
    for (const data of input.pages) {
      const report = await verify.verifyPage(data);
      out.pages.push({ outcome: report.outcome, steps: report.steps.map((s) => ({ id: s.id, outcome: s.outcome, text: s.text })) });
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack) + "\n");
  process.exit(1);
});
