/*
 * verify.js: "Verify in this browser" on a record page.  No dependencies, no build step,
 * and no request: everything it checks is in the page's inert
 *   <script type="application/json" id="verify-data">
 * block (written by pithgen/pageverify.py), so it works from file:// as well.
 *
 * On a click it checks, and reports step by step in the page's aria-live region:
 *   1. the canonical SHA-256 of the document's canonical_record, over exactly the bytes of
 *      Python's json.dumps(record, sort_keys=True, separators=(",", ":"),
 *      ensure_ascii=False) (pithgen/canonical.py, spec section 1: a JSON parser of its own
 *      keeps numbers as Python reads them), and the Pith Number derived from it;
 *   2. the receipt's Ed25519 signature over the 32 digest bytes (spec section 4) by
 *      pithgen's strict rule (pithgen/ed25519.py): small-order and non-canonical A and R
 *      and S >= L are refused here, with BigInt, before Web Crypto is asked for the
 *      cofactorless equation, so the verdict does not rest on the browser's library;
 *   3. with a log: the entry of the exact published bytes (docs/log.md section 1), its
 *      inclusion proof up to the root of the proof's checkpoint (RFC 9162 2.1.3.2), and the
 *      checkpoint's signed note under the log's verifier key (C2SP signed-note).
 * A browser without Ed25519 in Web Crypto is told so: a signature it cannot check is
 * "cannot check", never a failure.  tests/test_verify_js.py runs this file under node on
 * the data of built pages (against Python) and in Chromium.
 *
 * Everything in the data block is untrusted: it is only put into the page as text.
 */
(function (global) {
  "use strict";

  const DATA_FORMAT = "pithgen-page-verify/v1";
  const DATA_ID = "verify-data";

  /* ------------------------------------------------------------------ bytes */

  const utf8 = (text) => new TextEncoder().encode(text);
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  function fromHex(text) {
    if (!/^(?:[0-9a-f]{2})*$/.test(text)) return null;
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

  function base64(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      out += B64[n >> 18] + B64[(n >> 12) & 63];
      out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
      out += i + 2 < bytes.length ? B64[n & 63] : "=";
    }
    return out;
  }

  /* Standard padded base64 with one spelling per value (as b64decode_strict), or null. */
  function fromBase64(text) {
    if (typeof text !== "string" || !B64_RE.test(text)) return null;
    const body = text.replace(/=+$/, "");
    const out = new Uint8Array((body.length * 3) >> 2);
    let bits = 0;
    let value = 0;
    let at = 0;
    for (const c of body) {
      value = (value << 6) | B64.indexOf(c);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[at++] = (value >> bits) & 255;
      }
    }
    return base64(out) === text ? out : null;
  }

  /* The first 26 RFC 4648 base32 characters of a digest (the suffix rule, spec 3). */
  function base32Suffix(bytes) {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let out = "";
    let bits = 0;
    let value = 0;
    for (const b of bytes) {
      value = ((value << 8) | b) & 0xffff;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out += alphabet[(value >> bits) & 31];
      }
    }
    return out.slice(0, 26);
  }

  /* ------------------------------------------------------------------ SHA-256 (FIPS 180-4) */

  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const H0 = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ];
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));

  function sha256(bytes) {
    const n = bytes.length;
    const total = Math.ceil((n + 9) / 64) * 64;
    const block = new Uint8Array(total);
    block.set(bytes);
    block[n] = 0x80;
    const view = new DataView(block.buffer);
    view.setUint32(total - 8, Math.floor(n / 0x20000000));
    view.setUint32(total - 4, (n * 8) >>> 0);
    const h = H0.slice();
    const w = new Uint32Array(64);
    for (let off = 0; off < total; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
      for (let i = 16; i < 64; i++) {
        const a = w[i - 15];
        const b = w[i - 2];
        const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
        const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 =
          (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      [a, b, c, d, e, f, g, hh].forEach((x, i) => (h[i] = (h[i] + x) | 0));
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    h.forEach((x, i) => outView.setUint32(4 * i, x >>> 0));
    return out;
  }

  /* ------------------------------------------------------------------ strict JSON */

  /* Limits and refusals of pithgen/strictjson.py, so that both accept the same documents. */
  const MAX_DEPTH = 64;
  const MAX_VALUES = 600000;
  const MAX_INT_DIGITS = 4300; // Python's default int digit limit

  /* A JSON number as Python reads it: an int (exact) or a float; ``text`` is its repr. */
  class PyNumber {
    constructor(text) {
      this.text = text;
    }
  }

  function defect(message) {
    const error = new Error(message);
    error.name = "JSONDefect";
    return error;
  }

  /* repr() of a Python float: shortest round-trip digits (as Number's toString), in
   * exponent form when the decimal point is more than 16 places right or 4 left. */
  function floatRepr(x) {
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(x)));
    let digits = m[1] + (m[2] || "");
    let point = m[1].length + Number(m[3] || 0);
    while (digits[0] === "0") {
      digits = digits.slice(1);
      point -= 1;
    }
    digits = digits.replace(/0+$/, "");
    let body;
    if (point > -4 && point <= 16) {
      if (point <= 0) body = "0." + "0".repeat(-point) + digits;
      else if (point >= digits.length) body = digits + "0".repeat(point - digits.length) + ".0";
      else body = digits.slice(0, point) + "." + digits.slice(point);
    } else {
      const exp = point - 1;
      const mantissa = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "");
      body = mantissa + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
    }
    return (x < 0 ? "-" : "") + body;
  }

  function wellFormed(text) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        const next = text.charCodeAt(i + 1);
        if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
        i++;
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        return false;
      }
    }
    return true;
  }

  const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
  const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

  /* Objects become Maps (no prototype games with a "__proto__" key), numbers PyNumbers. */
  function parseJSON(text) {
    let pos = 0;
    const fail = (what) => {
      throw defect(`invalid JSON: ${what} at character ${pos}`);
    };
    const space = () => {
      while (pos < text.length && " \t\n\r".includes(text[pos])) pos++;
    };
    function string() {
      pos++;
      let out = "";
      let start = pos;
      for (;;) {
        if (pos >= text.length) fail("unterminated string");
        const c = text.charCodeAt(pos);
        if (c === 0x22) break;
        if (c < 0x20) fail("invalid control character in a string");
        if (c !== 0x5c) {
          pos++;
          continue;
        }
        out += text.slice(start, pos);
        const e = text[pos + 1];
        if (e === "u") {
          const code = text.substr(pos + 2, 4);
          if (!/^[0-9a-fA-F]{4}$/.test(code)) fail("invalid \\u escape");
          out += String.fromCharCode(parseInt(code, 16));
          pos += 6;
        } else if (Object.prototype.hasOwnProperty.call(ESCAPES, e)) {
          out += ESCAPES[e];
          pos += 2;
        } else {
          fail("invalid escape");
        }
        start = pos;
      }
      out += text.slice(start, pos);
      pos++;
      if (!wellFormed(out))
        throw defect("string holds a lone UTF-16 surrogate escape (not valid Unicode)");
      return out;
    }
    function number() {
      NUMBER_RE.lastIndex = pos;
      const m = NUMBER_RE.exec(text);
      if (!m) fail("expected a value");
      pos = NUMBER_RE.lastIndex;
      if (m[1] || m[2]) {
        const x = Number(m[0]);
        if (!isFinite(x))
          throw defect(
            `number ${m[0].slice(0, 40)} is too large to represent (overflows to infinity)`,
          );
        return new PyNumber(floatRepr(x));
      }
      if (m[0].replace("-", "").length > MAX_INT_DIGITS)
        throw defect("invalid JSON: an integer beyond Python's digit limit");
      return new PyNumber(BigInt(m[0]).toString());
    }
    function value(depth) {
      space();
      const c = text[pos];
      if (c === "{" || c === "[") {
        if (depth >= MAX_DEPTH) throw defect(`nesting deeper than ${MAX_DEPTH} levels`);
        return c === "{" ? object(depth + 1) : array(depth + 1);
      }
      if (c === '"') return string();
      for (const [word, v] of [
        ["true", true],
        ["false", false],
        ["null", null],
      ]) {
        if (text.startsWith(word, pos)) {
          pos += word.length;
          return v;
        }
      }
      if (/^-?(?:NaN|Infinity)/.test(text.substr(pos, 9)))
        throw defect("expected a JSON number, found NaN or Infinity (not valid JSON)");
      return number();
    }
    function object(depth) {
      const out = new Map();
      pos++;
      space();
      if (text[pos] === "}") {
        pos++;
        return out;
      }
      for (;;) {
        space();
        if (text[pos] !== '"') fail("expected a property name");
        const key = string();
        space();
        if (text[pos] !== ":") fail("expected ':'");
        pos++;
        if (out.has(key))
          throw defect(`duplicate key ${JSON.stringify(key)} in one object (expected unique keys)`);
        out.set(key, value(depth));
        space();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "}") return (pos++, out);
        else fail("expected ',' or '}'");
      }
    }
    function array(depth) {
      const out = [];
      pos++;
      space();
      if (text[pos] === "]") {
        pos++;
        return out;
      }
      for (;;) {
        out.push(value(depth));
        space();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "]") return (pos++, out);
        else fail("expected ',' or ']'");
      }
    }
    const result = value(0);
    space();
    if (pos !== text.length) fail("extra data");
    return result;
  }

  /* parse_document of pithgen/strictjson.py: UTF-8 bytes of one JSON object. */
  function parseDocument(bytes) {
    let values = 0;
    for (const b of bytes) if (b === 0x7b || b === 0x5b || b === 0x2c) values++;
    if (values > MAX_VALUES)
      throw defect(`expected at most ${MAX_VALUES} JSON values in one document, found ${values}`);
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
      throw defect("expected UTF-8 JSON without a byte order mark, found a UTF-8 BOM");
    let text;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch (e) {
      throw defect("expected UTF-8, found an invalid byte");
    }
    const value = parseJSON(text);
    if (!(value instanceof Map)) throw defect("expected a JSON object");
    return value;
  }

  /* ------------------------------------------------------------------ canonical form */

  /* Python's str order: by code point (not by UTF-16 unit, which differs above U+FFFF). */
  function byCodePoint(a, b) {
    let i = 0;
    while (i < a.length && i < b.length) {
      const x = a.codePointAt(i);
      const y = b.codePointAt(i);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1;
    }
    return a.length === b.length ? 0 : i < a.length ? 1 : -1;
  }

  function quote(text) {
    const escaped = text.replace(/["\\\u0000-\u001f]/g, (c) => {
      const short = {
        '"': '\\"',
        "\\": "\\\\",
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\b": "\\b",
        "\f": "\\f",
      }[c];
      return short || "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    });
    return '"' + escaped + '"';
  }

  /* json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) */
  function canonicalJSON(value) {
    if (value === null) return "null";
    if (value === true) return "true";
    if (value === false) return "false";
    if (typeof value === "string") return quote(value);
    if (value instanceof PyNumber) return value.text;
    if (Array.isArray(value)) return "[" + value.map(canonicalJSON).join(",") + "]";
    const keys = Array.from(value.keys()).sort(byCodePoint);
    return "{" + keys.map((k) => quote(k) + ":" + canonicalJSON(value.get(k))).join(",") + "}";
  }

  /* ------------------------------------------------------------------ Ed25519, the strict rule */

  const P = (1n << 255n) - 19n;
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  const Y8 = 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n;
  const SMALL_ORDER_Y = new Map([
    [1n, "the identity (order 1)"],
    [P - 1n, "the point of order 2"],
    [0n, "a point of order 4"],
    [Y8, "a point of order 8"],
    [P - Y8, "a point of order 8"],
  ]);

  const mod = (a) => ((a % P) + P) % P;
  function modPow(base, exp) {
    let result = 1n;
    base = mod(base);
    while (exp > 0n) {
      if (exp & 1n) result = (result * base) % P;
      base = (base * base) % P;
      exp >>= 1n;
    }
    return result;
  }
  const D = mod(-121665n * modPow(121666n, P - 2n));
  const littleEndian = (bytes) => BigInt("0x0" + hex(Uint8Array.from(bytes).reverse()));

  /* The y coordinate and sign bit of a point encoding. */
  function split(raw) {
    const n = littleEndian(raw);
    return [n & ((1n << 255n) - 1n), n >> 255n];
  }

  function encodingDefect(y, sign) {
    if (y >= P) {
      const of = SMALL_ORDER_Y.get(y - P);
      return "a non-canonical encoding (y >= p)" + (of ? ` of ${of}` : "");
    }
    const small = SMALL_ORDER_Y.get(y);
    if (small !== undefined) {
      if (sign && (y === 1n || y === P - 1n))
        return `a non-canonical encoding (x = 0 with the sign bit set) of ${small}`;
      return `a small-order point: ${small}`;
    }
    return null;
  }

  /* Whether some x satisfies -x^2 + y^2 = 1 + d x^2 y^2 (RFC 8032 5.1.3, steps 2-3). */
  function onCurve(y) {
    const u = mod(y * y - 1n);
    const v = mod(D * y * y + 1n);
    const x = mod(u * modPow(v, 3n) * modPow(u * modPow(v, 7n), (P - 5n) / 8n));
    const vxx = mod(v * x * x);
    return vxx === u || vxx === mod(-u);
  }

  function checkPublicKey(raw) {
    if (raw.length !== 32) return `the public key must be 32 bytes, found ${raw.length}`;
    const [y, sign] = split(raw);
    const found = encodingDefect(y, sign);
    if (found !== null) return `the public key is ${found}`;
    if (!onCurve(y)) return "the public key is not a point on the curve";
    return null;
  }

  /* Why the rule refuses (key, signature) before any equation is solved, or null. */
  function strictRule(publicKey, signature) {
    const weak = checkPublicKey(publicKey);
    if (weak !== null) return `refused key: ${weak}`;
    if (signature.length !== 64) return `a signature is 64 bytes, found ${signature.length}`;
    const found = encodingDefect(...split(signature.subarray(0, 32)));
    if (found !== null) return `R is ${found}`;
    if (littleEndian(signature.subarray(32)) >= L)
      return "non-canonical signature: S is not reduced modulo the group order L";
    return null;
  }

  const NO_ED25519 = "this browser cannot check Ed25519 signatures";

  /* {valid, reason} by the strict rule and Web Crypto; {unavailable, reason} when this
   * browser has no Ed25519 (the strict rule's refusals are verdicts all the same). */
  async function verifyEd25519(publicKey, signature, message) {
    const refused = strictRule(publicKey, signature);
    if (refused !== null) return { valid: false, reason: refused };
    const subtle = global.crypto && global.crypto.subtle;
    if (!subtle)
      return {
        unavailable: true,
        reason: `${NO_ED25519} (it offers no Web Crypto here: a page served over plain HTTP gets none)`,
      };
    let ok;
    try {
      const key = await subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
      ok = await subtle.verify({ name: "Ed25519" }, key, signature, message);
    } catch (e) {
      if (e && e.name === "NotSupportedError")
        return { unavailable: true, reason: `${NO_ED25519} (its Web Crypto has no Ed25519)` };
      // A browser's error is not the record's failure: the signature stays unchecked.
      return {
        unavailable: true,
        reason: `this browser could not check the Ed25519 signature (${e && e.name}: ${e && e.message})`,
      };
    }
    if (ok) return { valid: true, reason: null };
    if (!onCurve(split(signature.subarray(0, 32))[0]))
      return { valid: false, reason: "R is not a point on the curve" };
    return { valid: false, reason: "the equation [S]B = R + [k]A does not hold" };
  }

  /* ------------------------------------------------------------------ the log */

  class LogDefect extends Error {}
  const refuse = (message) => {
    throw new LogDefect(message);
  };

  function checkKeyName(name) {
    // Python's str.isspace() (not JS \s, which also matches U+FEFF), '+' and controls.
    if (
      !name ||
      /[\u0000-\u0020+\u007f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/.test(
        name,
      )
    ) {
      refuse(
        `expected a key name without spaces, '+' or control characters, found ${JSON.stringify(name)}`,
      );
    }
  }

  function noteKeyId(name, publicKey) {
    const digest = sha256(concat(utf8(name), Uint8Array.of(0x0a, 0x01), publicKey));
    return new DataView(digest.buffer).getUint32(0);
  }

  const keyLabel = (name, id) => `${name}+${id.toString(16).padStart(8, "0")}`;

  /* A verifier key <name>+<8 hex key id>+<base64(0x01 || key)> (docs/log.md section 4). */
  function parseVkey(vkey) {
    const first = vkey.indexOf("+");
    const second = vkey.indexOf("+", first + 1);
    if (first <= 0 || second < 0)
      refuse(`expected a verifier key <name>+<key id>+<base64 key>, found ${JSON.stringify(vkey)}`);
    const name = vkey.slice(0, first);
    const id = vkey.slice(first + 1, second);
    checkKeyName(name);
    if (!/^[0-9a-fA-F]{8}$/.test(id))
      refuse(`expected an 8-hex-digit key id, found ${JSON.stringify(id)}`);
    const raw = fromBase64(vkey.slice(second + 1));
    if (raw === null) refuse("verifier key: expected standard padded base64");
    if (raw.length !== 33 || raw[0] !== 0x01)
      refuse("expected an Ed25519 verifier key (type 0x01, 32 bytes)");
    const publicKey = raw.subarray(1);
    const weak = checkPublicKey(publicKey);
    if (weak !== null)
      refuse(`refused note key ${JSON.stringify(name)}: ${weak} (pithgen's Ed25519 rule)`);
    const keyId = noteKeyId(name, publicKey);
    if (keyId !== parseInt(id, 16))
      refuse(`key id of ${JSON.stringify(name)}: expected ${keyLabel(name, keyId)}, found ${id}`);
    return { name, keyId, publicKey };
  }

  /* The lines of a text, each required to end in a newline. */
  function lineReader(text) {
    let pos = 0;
    return {
      next(what) {
        const end = text.indexOf("\n", pos);
        if (end < 0)
          refuse(
            `expected ${what} ending in a newline, found ${pos === text.length ? "the end" : JSON.stringify(text.slice(pos, pos + 80))}`,
          );
        const line = text.slice(pos, end);
        pos = end + 1;
        return line;
      },
      peek: () =>
        text.slice(pos, text.indexOf("\n", pos) < 0 ? text.length : text.indexOf("\n", pos)),
      rest: () => text.slice(pos),
    };
  }

  /* A signed note: its text (signed bytes) and signature lines (C2SP signed-note). */
  function parseNote(note) {
    const split = note.lastIndexOf("\n\n");
    if (split < 0)
      refuse("expected a note text, a blank line and signature lines, found no blank line");
    if (!note.endsWith("\n")) refuse("expected a note text ending in a newline");
    if (/[\u0000-\u0009\u000b-\u001f]/.test(note))
      refuse("expected no control character but newline in the note");
    const block = note.slice(split + 2);
    if (!block) refuse("expected at least one signature line, found none");
    const lines = block.slice(0, -1).split("\n");
    if (lines.length > 100) refuse(`expected at most 100 signatures, found ${lines.length}`);
    const signatures = lines.map((line) => {
      if (!line.startsWith("\u2014 "))
        refuse(`expected a signature line '\u2014 <name> <base64>', found ${JSON.stringify(line)}`);
      const body = line.slice(2);
      const space = body.indexOf(" ");
      const name = space < 0 ? body : body.slice(0, space);
      checkKeyName(name);
      const blob = fromBase64(space < 0 ? "" : body.slice(space + 1));
      if (blob === null) refuse(`signature by ${name}: expected standard padded base64`);
      if (blob.length < 5)
        refuse(
          `signature by ${name}: expected a 4-byte key id and a signature, found ${blob.length} bytes`,
        );
      return { name, keyId: new DataView(blob.buffer).getUint32(0), signature: blob.subarray(4) };
    });
    return { text: note.slice(0, split + 1), signatures };
  }

  /* The checkpoint body: origin, size, root hash, extension lines (C2SP tlog-checkpoint). */
  function parseCheckpoint(text) {
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3)
      refuse(
        `expected at least 3 checkpoint lines (origin, size, root hash), found ${lines.length}`,
      );
    if (lines.some((line) => !line)) refuse("expected no empty line in the checkpoint");
    if (!/^(?:0|[1-9][0-9]*)$/.test(lines[1]) || BigInt(lines[1]) >= 1n << 64n)
      refuse(
        `expected the tree size in decimal without leading zeros, found ${JSON.stringify(lines[1])}`,
      );
    const root = fromBase64(lines[2]);
    if (root === null || root.length !== 32)
      refuse(
        `checkpoint root hash: expected standard base64 of 32 bytes, found ${JSON.stringify(lines[2])}`,
      );
    return { origin: lines[0], size: BigInt(lines[1]), root };
  }

  /* A c2sp.org/tlog-proof@v1 file: index, inclusion hashes, the signed checkpoint. */
  function parseProof(text) {
    const lines = lineReader(text);
    const header = lines.next("the header 'c2sp.org/tlog-proof@v1'");
    if (header !== "c2sp.org/tlog-proof@v1")
      refuse(`expected the header 'c2sp.org/tlog-proof@v1', found ${JSON.stringify(header)}`);
    if (lines.peek().startsWith("extra ")) {
      if (fromBase64(lines.next("the extra line").slice(6)) === null)
        refuse("extra data: expected standard padded base64");
    }
    const indexLine = lines.next("the index line");
    const m = /^index (0|[1-9][0-9]*)$/.exec(indexLine);
    if (!m)
      refuse(
        `expected 'index <decimal without leading zeros>', found ${JSON.stringify(indexLine)}`,
      );
    const hashes = [];
    let line;
    while ((line = lines.next("an inclusion proof hash or an empty line")) !== "") {
      if (hashes.length === 64) refuse("expected at most 64 proof hashes, found more");
      const raw = fromBase64(line);
      if (raw === null || raw.length !== 32)
        refuse(
          `proof hash ${hashes.length}: expected standard base64 of 32 bytes, found ${JSON.stringify(line)}`,
        );
      hashes.push(raw);
    }
    const checkpoint = lines.rest();
    if (!checkpoint) refuse("expected a signed checkpoint after the empty line, found none");
    return { index: BigInt(m[1]), hashes, checkpoint };
  }

  const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  function splitPoint(n) {
    let k = 1n;
    while (k << 1n < n) k <<= 1n;
    return k;
  }

  function inclusionProofLength(index, size) {
    let count = 0;
    let start = 0n;
    let end = size;
    while (end - start > 1n) {
      const k = splitPoint(end - start);
      count++;
      if (index < start + k) end = start + k;
      else start += k;
    }
    return count;
  }

  /* The root an inclusion proof leads to (RFC 9162 section 2.1.3.2). */
  function rootFromInclusionProof(leaf, index, size, proof) {
    if (!(index >= 0n && index < size))
      refuse(`expected a leaf index below the tree size ${size}, found ${index}`);
    const expected = inclusionProofLength(index, size);
    if (proof.length !== expected)
      refuse(
        `inclusion proof of leaf ${index} in a tree of size ${size}: expected ${expected} hashes, found ${proof.length}`,
      );
    let fn = index;
    let sn = size - 1n;
    let r = leaf;
    for (const p of proof) {
      if (fn & 1n || fn === sn) {
        r = nodeHash(p, r);
        while (!(fn & 1n) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return r;
  }

  /* The log entry of a published file (docs/log.md section 1). */
  function logEntry(kind, pithNumber, canonicalSha256, published) {
    const lines = [
      "pithgen-log-entry/v1",
      `kind ${kind}`,
      `pith-number ${pithNumber}`,
      `canonical-sha256 ${canonicalSha256}`,
      `json-sha256 ${hex(sha256(published))}`,
    ];
    return utf8(lines.map((line) => line + "\n").join(""));
  }

  /* ------------------------------------------------------------------ the checks */

  const get = (map, key) => (map instanceof Map ? map.get(key) : undefined);
  const shown = (value) =>
    value === undefined
      ? "nothing"
      : value instanceof Map || Array.isArray(value) || value instanceof PyNumber
        ? canonicalJSON(value).slice(0, 80)
        : JSON.stringify(value).slice(0, 80);

  /* The receipt of a record document, or of a bundle's one record_created event (spec 6,
   * pithgen/bundleevents.py), or a reason why there is none to check. */
  function receiptOf(doc, kind, record, digest) {
    if (kind !== "bundle") return { receipt: get(doc, "receipt"), where: "receipt" };
    const events = get(doc, "events");
    if (!Array.isArray(events))
      return { error: `'events': expected a list, found ${shown(events)}` };
    const created = events.filter((e) => get(e, "event_type") === "record_created");
    if (created.length !== 1)
      return {
        error: `'events': expected exactly one record_created event, found ${created.length}`,
      };
    const payload = get(created[0], "payload");
    if (
      !(payload instanceof Map) ||
      get(payload, "canonical_sha256") !== digest ||
      !payload.has("canonical_record") ||
      canonicalJSON(payload.get("canonical_record")) !== canonicalJSON(record)
    ) {
      return {
        error: `record_created payload: expected the bundle's canonical_record and canonical_sha256 ${digest}, found a different payload`,
      };
    }
    return { receipt: get(payload, "receipt"), where: "events[record_created].payload.receipt" };
  }

  /* The receipt check of pithgen/receipt.py under the key this mirror names. */
  async function checkReceipt(found, signer, digest) {
    if (found.error) return ["failed", found.error];
    const { receipt, where } = found;
    if (!(receipt instanceof Map))
      return ["failed", `'${where}': expected a receipt object, found ${shown(receipt)}`];
    if (!signer) return ["failed", "this mirror names no trusted key for this receipt"];
    const publicKey = fromHex(signer.public_key);
    if (publicKey === null || publicKey.length !== 32)
      return ["failed", "the signer's public key is not 64 hex digits"];
    const fingerprint = hex(sha256(publicKey).subarray(0, 16));
    const keyId = get(receipt, "key_id");
    if (keyId !== signer.key_id)
      return ["failed", `${where}.key_id: expected ${signer.key_id}, found ${shown(keyId)}`];
    const algorithm = receipt.has("algorithm") ? receipt.get("algorithm") : "ed25519";
    const message = receipt.has("signed_message")
      ? receipt.get("signed_message")
      : "canonical_sha256_bytes";
    const stated = receipt.has("canonical_sha256") ? receipt.get("canonical_sha256") : digest;
    if (algorithm !== "ed25519" || message !== "canonical_sha256_bytes" || stated !== digest) {
      return [
        "failed",
        `${where}: expected algorithm 'ed25519' over 'canonical_sha256_bytes' of ${digest}, found ${shown(algorithm)} over ${shown(message)} of ${shown(stated)}`,
      ];
    }
    const statedFingerprint = get(receipt, "public_key_fingerprint");
    if (
      statedFingerprint !== undefined &&
      statedFingerprint !== null &&
      statedFingerprint !== fingerprint
    ) {
      return [
        "failed",
        `${where}.public_key_fingerprint: expected ${fingerprint} (key ${signer.key_id}), found ${shown(statedFingerprint)}`,
      ];
    }
    const encoded = get(receipt, "signature_b64");
    const signature =
      typeof encoded === "string" && /^[A-Za-z0-9+/]{86}==$/.test(encoded)
        ? fromBase64(encoded)
        : null;
    if (signature === null)
      return [
        "failed",
        `${where}.signature_b64: expected strict standard base64 of a 64-byte signature, found ${shown(encoded)}`,
      ];
    const verdict = await verifyEd25519(publicKey, signature, fromHex(digest));
    const key = `key ${signer.key_id} (fingerprint ${fingerprint})`;
    if (verdict.unavailable)
      return [
        "unavailable",
        `${verdict.reason}: the signature under ${key} was not checked (pithgen's strict rule found nothing to refuse)`,
      ];
    if (!verdict.valid)
      return [
        "failed",
        `${where}.signature_b64: Ed25519 signature does not verify over the 32 digest bytes of ${digest} under ${key}: ${verdict.reason}`,
      ];
    return [
      "ok",
      `Ed25519 signature valid over the 32 digest bytes under ${key}, by pithgen's strict rule and this browser's Web Crypto`,
    ];
  }

  /* The inclusion proof of the exact bytes, then the checkpoint's signature. */
  async function checkLog(log, entry) {
    let vkey;
    let proof;
    let note;
    let checkpoint;
    try {
      vkey = parseVkey(log.vkey);
      proof = parseProof(log.proof);
      note = parseNote(proof.checkpoint);
      checkpoint = parseCheckpoint(note.text);
    } catch (e) {
      if (!(e instanceof LogDefect)) throw e;
      const text = `the proof file cannot be read: ${e.message}`;
      return [
        ["failed", text],
        ["failed", text],
      ];
    }
    const steps = [];
    try {
      const root = rootFromInclusionProof(
        leafHash(entry),
        proof.index,
        checkpoint.size,
        proof.hashes,
      );
      if (!equalBytes(root, checkpoint.root)) {
        refuse(
          `the inclusion proof of entry ${proof.index} does not lead to the root of the checkpoint of size ${checkpoint.size} (expected ${hex(checkpoint.root)}, found ${hex(root)}): these bytes are not the file the log holds, or the proof was altered`,
        );
      }
      steps.push([
        "ok",
        `entry ${proof.index} of log ${vkey.name} is these exact bytes: its inclusion proof (${proof.hashes.length} hashes) leads to the root of the checkpoint of size ${checkpoint.size}`,
      ]);
    } catch (e) {
      if (!(e instanceof LogDefect)) throw e;
      steps.push(["failed", e.message]);
    }
    const label = keyLabel(vkey.name, vkey.keyId);
    if (checkpoint.origin !== vkey.name) {
      steps.push([
        "failed",
        `expected a checkpoint of log ${vkey.name}, found one of ${JSON.stringify(checkpoint.origin)}`,
      ]);
      return steps;
    }
    const mine = note.signatures.filter((s) => s.name === vkey.name && s.keyId === vkey.keyId);
    if (mine.length === 0) {
      const others = note.signatures.map((s) => keyLabel(s.name, s.keyId)).join(", ");
      steps.push([
        "failed",
        `no signature by the log key ${label}: the checkpoint is signed by ${others}`,
      ]);
      return steps;
    }
    for (const s of mine) {
      const verdict = await verifyEd25519(vkey.publicKey, s.signature, utf8(note.text));
      if (verdict.unavailable) {
        steps.push([
          "unavailable",
          `${verdict.reason}: the checkpoint's signature by the log key ${label} was not checked`,
        ]);
        return steps;
      }
      if (!verdict.valid) {
        steps.push([
          "failed",
          `the checkpoint's signature by the log key ${label} does not verify: ${verdict.reason}`,
        ]);
        return steps;
      }
    }
    steps.push([
      "ok",
      `the checkpoint (size ${checkpoint.size}) is signed by the log key ${label}`,
    ]);
    return steps;
  }

  const STEPS = [
    ["hash", "Canonical hash"],
    ["number", "Pith Number"],
    ["receipt", "Receipt signature"],
    ["entry", "Transparency log entry"],
    ["checkpoint", "Signed checkpoint"],
  ];

  /* Every check on a page's data: {outcome: verified|failed|incomplete, steps: [...]}. */
  async function verifyPage(data) {
    const steps = [];
    const add = (id, outcome, text) =>
      steps.push({ id, title: STEPS.find((s) => s[0] === id)[1], outcome, text });
    const finish = () => {
      const outcomes = steps.map((s) => s.outcome);
      const outcome = outcomes.includes("failed")
        ? "failed"
        : outcomes.includes("unavailable")
          ? "incomplete"
          : "verified";
      return { outcome, steps, log: !!(data && data.log) };
    };
    const published = data && data.format === DATA_FORMAT ? fromBase64(data.document) : null;
    if (published === null || published.length !== data.size) {
      add("hash", "failed", "the page's data block holds no readable copy of the published JSON");
      return finish();
    }
    const kind = data.kind === "bundle" ? "bundle" : "record";
    let doc;
    try {
      doc = parseDocument(published);
    } catch (e) {
      if (e.name !== "JSONDefect") throw e;
      add("hash", "failed", `the published JSON is not acceptable JSON: ${e.message}`);
      return finish();
    }
    const record = get(doc, "canonical_record");
    if (!(record instanceof Map)) {
      add("hash", "failed", `'canonical_record': expected an object, found ${shown(record)}`);
      return finish();
    }
    const digestBytes = sha256(utf8(canonicalJSON(record)));
    const digest = hex(digestBytes);
    const stated = get(doc, "canonical_sha256");
    if (stated === digest)
      add(
        "hash",
        "ok",
        `recomputed SHA-256 of the canonical record: ${digest}, as the ${kind} states`,
      );
    else
      add(
        "hash",
        "failed",
        `canonical_sha256: expected ${digest} (recomputed over canonical_record), found ${shown(stated)}`,
      );
    const submitted = get(get(record, "metadata"), "submitted_at");
    const suffix = base32Suffix(digestBytes);
    let number = null;
    if (typeof submitted !== "string") {
      add(
        "number",
        "failed",
        `canonical_record.metadata.submitted_at: expected a string, found ${shown(submitted)}`,
      );
    } else {
      number = `pith:${Array.from(submitted).slice(0, 4).join("")}:${suffix}`;
      const problems = [];
      if (get(doc, "pith_number") !== number)
        problems.push(`pith_number: expected ${number}, found ${shown(get(doc, "pith_number"))}`);
      if (get(doc, "short_pith_number") !== `pith:${suffix.slice(0, 8)}`)
        problems.push(
          `short_pith_number: expected pith:${suffix.slice(0, 8)}, found ${shown(get(doc, "short_pith_number"))}`,
        );
      if (data.pith_number !== number)
        problems.push(`this page shows ${shown(data.pith_number)}, but the ${kind} is ${number}`);
      if (problems.length) add("number", "failed", problems.join("; "));
      else
        add(
          "number",
          "ok",
          `${number}, derived from the hash and the v1 year, as the ${kind} and this page state`,
        );
    }
    add(
      "receipt",
      ...(await checkReceipt(receiptOf(doc, kind, record, digest), data.signer, digest)),
    );
    if (!data.log) {
      add(
        "entry",
        "none",
        "this mirror keeps no transparency log: there is no inclusion proof to check",
      );
    } else {
      const entry = logEntry(kind, number || String(get(doc, "pith_number")), digest, published);
      const [entryStep, checkpointStep] = await checkLog(data.log, entry);
      add("entry", ...entryStep);
      add("checkpoint", ...checkpointStep);
    }
    return finish();
  }

  /* ------------------------------------------------------------------ the page */

  const LABELS = { ok: "Passed", failed: "FAILED", unavailable: "Cannot check", none: "No log" };
  const VERDICTS = {
    verified: "Verified in this browser: the record's hash, Pith Number and signature check out.",
    failed: "This does NOT verify in this browser: see the failed checks below.",
    incomplete: `Not fully checked: ${NO_ED25519}, so the signatures were not checked (nothing failed). Use a browser with Ed25519 in Web Crypto, or the script below.`,
  };

  function show(out, report) {
    const doc = out.ownerDocument;
    out.textContent = "";
    const verdict = doc.createElement("p");
    verdict.className = `verify-verdict verify-${report.outcome}`;
    let text = VERDICTS[report.outcome];
    if (report.outcome === "verified")
      text += report.log
        ? " It is in this mirror's signed transparency log."
        : " This mirror keeps no transparency log.";
    verdict.textContent = text;
    const list = doc.createElement("ol");
    list.className = "verify-steps";
    for (const step of report.steps) {
      const item = doc.createElement("li");
      item.className = `verify-step step-${step.outcome}`;
      item.dataset.step = step.id;
      const label = doc.createElement("strong");
      label.textContent = `${LABELS[step.outcome]}:`;
      item.append(label, ` ${step.title}: ${step.text}.`);
      list.append(item);
    }
    out.append(verdict, list);
  }

  function start(doc) {
    const button = doc.getElementById("verify-run");
    const out = doc.getElementById("verify-result");
    const block = doc.getElementById(DATA_ID);
    if (!button || !out || !block) return;
    button.hidden = false;
    let running = false;
    // Not disabled while it runs: a disabled button would drop the keyboard focus.
    button.addEventListener("click", async () => {
      if (running) return;
      running = true;
      out.textContent = "Checking…";
      let report;
      try {
        report = await verifyPage(JSON.parse(block.textContent));
      } catch (e) {
        report = {
          outcome: "failed",
          log: false,
          steps: [
            {
              id: "hash",
              title: "Verifier",
              outcome: "failed",
              text: `the check stopped: ${e && e.message}`,
            },
          ],
        };
      }
      show(out, report);
      running = false;
    });
  }

  const api = {
    DATA_FORMAT,
    DATA_ID,
    sha256,
    hex,
    fromHex,
    base64,
    fromBase64,
    base32Suffix,
    floatRepr,
    parseDocument,
    canonicalJSON,
    checkPublicKey,
    strictRule,
    verifyEd25519,
    parseVkey,
    parseProof,
    parseNote,
    parseCheckpoint,
    rootFromInclusionProof,
    logEntry,
    leafHash,
    verifyPage,
  };
  global.pithgenVerify = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (global.document) {
    if (global.document.readyState === "loading")
      global.document.addEventListener("DOMContentLoaded", () => start(global.document));
    else start(global.document);
  }
})(typeof window !== "undefined" ? window : globalThis);
