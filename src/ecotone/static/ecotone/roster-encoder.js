// The roster encoder: a young person's identifying fields become an exact keyed hash, a CLK
// and a blocking key in the browser, so that names and birth dates never leave it. The rules
// are those of ecotone/measures/linkage.py, and tests/measures/test_linkage_conformance.py
// checks that both give the same bits (docs/reach.md). Web Crypto computes HKDF, HMAC-SHA-256
// and HMAC-SHA-1; it has no MD5, which clkhash's double hashing needs: MD5 is the npm package
// spark-md5, HMAC-MD5 a few lines over it. Works in a page (window.EcotoneRosterEncoder, with
// static/vendor/spark-md5/spark-md5.min.js loaded before it) and in Node 20 (module.exports).
(function (root) {
  "use strict";

  const inNode = typeof module === "object" && module.exports;
  const SparkMD5 = inNode ? require("spark-md5") : root.SparkMD5;
  const subtle = root.crypto.subtle;
  const encoder = new TextEncoder();

  const EXACT_INFO = "ecotone/reach/exact-hash/v1";
  const CHECK_INFO = "ecotone/reach/secret-check/v1";
  const BLOCK_INFO = "ecotone/reach/block/v1";
  const FIELD_SEPARATOR = "\u001f";
  const SECRET_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const SECRET_CHARACTERS = 32;
  const SPELLED_OUT = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i" };
  const APOSTROPHES = "'’‘`´ʼ";
  const PHONETIC_INITIAL = { c: "k", q: "k", z: "s", y: "i" };
  const MARK = /^\p{Mn}$/u;
  const LETTER = /^\p{L}+$/u;

  class EncodingError extends Error {
    constructor(field, reason, row) {
      super((row !== undefined && row !== null ? "row " + row + ", " : "") + field.replace("_", " ") + ": " + reason);
      this.field = field;
      this.reason = reason;
      this.row = row;
    }
  }

  // --- normalisation -------------------------------------------------------------------

  function normaliseName(text) {
    const kept = [];
    for (let char of String(text).toLowerCase().normalize("NFKD")) {
      if (MARK.test(char) || APOSTROPHES.includes(char)) continue;
      char = SPELLED_OUT[char] || char;
      kept.push(LETTER.test(char) ? char : " ");
    }
    return kept.join("").split(/\s+/).filter(Boolean).join(" ");
  }

  function normaliseGivenName(text, nicknames) {
    return normaliseName(text)
      .split(" ")
      .filter(Boolean)
      .map((word) => (Object.prototype.hasOwnProperty.call(nicknames, word) ? nicknames[word] : word))
      .join(" ");
  }

  function normaliseDate(text) {
    text = String(text).trim();
    if (!text) throw new EncodingError("birth_date", "empty");
    let year, month, day, match;
    if ((match = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text))) {
      [year, month, day] = [match[1], match[2], match[3]].map(Number);
    } else if ((match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text))) {
      [month, day, year] = [match[1], match[2], match[3]].map(Number);
    } else {
      throw new EncodingError("birth_date", "not_a_date");
    }
    const born = new Date(Date.UTC(2000, month - 1, day));
    born.setUTCFullYear(year);
    if (year < 1 || born.getUTCFullYear() !== year || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day) {
      throw new EncodingError("birth_date", "not_a_date");
    }
    if (year < 1900 || year > 2099) throw new EncodingError("birth_date", "out_of_range");
    const pad = (n, width) => String(n).padStart(width, "0");
    return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2);
  }

  function normaliseRecord(record, nicknames, row) {
    let identity;
    try {
      identity = {
        given_name: normaliseGivenName(record.given_name || "", nicknames),
        family_name: normaliseName(record.family_name || ""),
        birth_date: normaliseDate(record.birth_date || ""),
        school: normaliseName(record.school || ""),
      };
    } catch (error) {
      if (error instanceof EncodingError) throw new EncodingError(error.field, error.reason, row);
      throw error;
    }
    for (const field of ["given_name", "family_name"]) {
      if (!identity[field]) {
        throw new EncodingError(field, String(record[field] || "").trim() ? "no_letters" : "empty", row);
      }
    }
    return identity;
  }

  // --- secret and keys -----------------------------------------------------------------

  function parseSecret(text) {
    const cleaned = String(text).replace(/[\s-]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
    if (cleaned.length !== SECRET_CHARACTERS || [...cleaned].some((char) => !SECRET_ALPHABET.includes(char))) {
      throw new EncodingError("secret", "not_a_secret");
    }
    let number = 0n;
    for (const char of cleaned) number = number * 32n + BigInt(SECRET_ALPHABET.indexOf(char));
    const bytes = new Uint8Array((SECRET_CHARACTERS * 5) / 8);
    for (let i = bytes.length - 1; i >= 0; i--) {
      bytes[i] = Number(number & 255n);
      number >>= 8n;
    }
    return bytes;
  }

  // The secret's 20 bytes written as parseSecret reads them (linkage.generate_secret's
  // writing): 32 characters of Crockford's base 32 in groups of four joined by dashes.
  function formatSecret(bytes) {
    if (bytes.length !== (SECRET_CHARACTERS * 5) / 8) throw new EncodingError("secret", "not_a_secret");
    let number = 0n;
    for (const byte of bytes) number = (number << 8n) | BigInt(byte);
    const chars = [];
    for (let i = 0; i < SECRET_CHARACTERS; i++) {
      chars.unshift(SECRET_ALPHABET[Number(number & 31n)]);
      number >>= 5n;
    }
    const groups = [];
    for (let i = 0; i < SECRET_CHARACTERS; i += 4) groups.push(chars.slice(i, i + 4).join(""));
    return groups.join("-");
  }

  async function hkdf(secret, info, length, salt) {
    const key = await subtle.importKey("raw", secret, "HKDF", false, ["deriveBits"]);
    const bits = await subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: salt || new Uint8Array(0), info: typeof info === "string" ? encoder.encode(info) : info },
      key,
      length * 8,
    );
    return new Uint8Array(bits);
  }

  function hex(bytes) {
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function fromBase64(text) {
    if (typeof atob === "function") return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return new Uint8Array(Buffer.from(text, "base64"));
  }

  function toBase64(bytes) {
    if (typeof btoa === "function") return btoa(String.fromCharCode(...bytes));
    return Buffer.from(bytes).toString("base64");
  }

  async function checkValue(secret) {
    return hex(await hkdf(secret, CHECK_INFO, 32));
  }

  async function hmacKey(raw, hash) {
    return subtle.importKey("raw", raw, { name: "HMAC", hash }, false, ["sign"]);
  }

  async function exactHash(key, identity) {
    const message = [identity.given_name, identity.family_name, identity.birth_date].join(FIELD_SEPARATOR);
    return hex(new Uint8Array(await subtle.sign("HMAC", key, encoder.encode(message))));
  }

  function blockOf(identity) {
    const family = identity.family_name;
    const first = Array.from(family)[0];
    const initial = family.startsWith("ph") ? "f" : PHONETIC_INITIAL[first] || first;
    return identity.birth_date.slice(0, 4) + "-" + initial;
  }

  // The block is sent keyed, so that the server groups rows by it without reading it.
  async function blockingKey(key, identity) {
    const mac = new Uint8Array(await subtle.sign("HMAC", key, encoder.encode(blockOf(identity))));
    return hex(mac).slice(0, 16);
  }

  // --- HMAC-MD5 (RFC 2104) over spark-md5 ----------------------------------------------

  function md5(message) {
    return Uint8Array.from(SparkMD5.ArrayBuffer.hash(message, true), (char) => char.charCodeAt(0));
  }

  function hmacMd5Pads(key) {
    const block = new Uint8Array(64);
    block.set(key.length > 64 ? md5(key) : key);
    return [block.map((byte) => byte ^ 0x36), block.map((byte) => byte ^ 0x5c)];
  }

  function hmacMd5WithPads([inner, outer], message) {
    const first = new Uint8Array(64 + message.length);
    first.set(inner);
    first.set(message, 64);
    const second = new Uint8Array(64 + 16);
    second.set(outer);
    second.set(md5(first), 64);
    return md5(second);
  }

  function hmacMd5(key, message) {
    return hmacMd5WithPads(hmacMd5Pads(key), message);
  }

  // --- CLK: clkhash's linkage schema v3, double hashing without its singularity --------

  function modulo(bytes, l) {
    let rest = 0;
    for (const byte of bytes) rest = (rest * 256 + byte) % l;
    return rest;
  }

  function tokens(comparison, value) {
    const chars = Array.from(value);
    if (!chars.length) return [];
    if (comparison.type === "exact") return [value];
    if (comparison.type !== "ngram") throw new Error("unsupported comparison " + comparison.type);
    const n = comparison.n;
    const padded = n > 1 ? [...Array(n - 1).fill(" "), ...chars, ...Array(n - 1).fill(" ")] : chars;
    const grams = [];
    for (let i = 0; i + n <= padded.length; i++) {
      const gram = padded.slice(i, i + n).join("");
      grams.push(comparison.positional ? i + 1 + " " + gram : gram);
    }
    return grams;
  }

  function bitsPerToken(strategy, count) {
    if ("bitsPerToken" in strategy) return Array(count).fill(strategy.bitsPerToken);
    const k = Math.floor(strategy.bitsPerFeature / count);
    const residue = strategy.bitsPerFeature % count;
    return Array.from({ length: count }, (_, i) => (i < residue ? k + 1 : k));
  }

  // Derives a schema's keys once; `clk(values)` then encodes one record's feature values.
  async function clkEncoder(schema, secret) {
    if (schema.version !== 3) throw new Error("the linkage schema must be clkhash's version 3");
    const config = schema.clkConfig;
    const kdf = config.kdf;
    if (kdf.type !== "HKDF" || (kdf.hash || "SHA256") !== "SHA256") throw new Error("unsupported key derivation");
    if (config.xor_folds || config.xorFolds) throw new Error("XOR folding is not supported");
    const l = config.l;
    const keySize = kdf.keySize || 64;
    const features = schema.features;
    const info = kdf.info ? fromBase64(kdf.info) : new Uint8Array(0);
    const salt = kdf.salt ? fromBase64(kdf.salt) : new Uint8Array(0);
    const material = await hkdf(secret, info, 2 * features.length * keySize, salt);
    const fields = await Promise.all(
      features.map(async (feature, index) => {
        if (feature.ignored) return null;
        const hashing = feature.hashing;
        if (!hashing.hash || hashing.hash.type !== "doubleHash") throw new Error("only doubleHash is supported");
        const start = 2 * index * keySize;
        return {
          hashing,
          sha1: await hmacKey(material.slice(start, start + keySize), "SHA-1"),
          md5: hmacMd5Pads(material.slice(start + keySize, start + 2 * keySize)),
          cache: new Map(),
        };
      }),
    );

    async function tokenIndices(field, token) {
      if (field.cache.has(token)) return field.cache.get(token);
      const message = encoder.encode(token);
      const sha1 = modulo(new Uint8Array(await subtle.sign("HMAC", field.sha1, message)), l);
      let md5Value = modulo(hmacMd5WithPads(field.md5, message), l);
      if (field.hashing.hash.prevent_singularity) {
        for (let i = 0; md5Value === 0; i++) {
          const extra = encoder.encode(String.fromCodePoint(i));
          const longer = new Uint8Array(message.length + extra.length);
          longer.set(message);
          longer.set(extra, message.length);
          md5Value = modulo(hmacMd5WithPads(field.md5, longer), l);
        }
      }
      const result = [sha1, md5Value];
      field.cache.set(token, result);
      return result;
    }

    return async function clk(values) {
      const bits = new Uint8Array(Math.ceil(l / 8));
      for (let f = 0; f < fields.length; f++) {
        const field = fields[f];
        if (!field) continue;
        const grams = tokens(field.hashing.comparison, values[f]);
        if (!grams.length) continue;
        const ks = bitsPerToken(field.hashing.strategy, grams.length);
        for (let t = 0; t < grams.length; t++) {
          const [first, step] = await tokenIndices(field, grams[t]);
          for (let i = 0; i < ks[t]; i++) {
            const index = (first + i * step) % l;
            bits[index >> 3] |= 0x80 >> (index & 7);
          }
        }
      }
      return toBase64(bits);
    };
  }

  function clkFields(identity) {
    const [year, month, day] = identity.birth_date.split("-");
    return [identity.given_name, identity.family_name, year, month, day, [month, day].sort().join(" "), identity.school];
  }

  // Every row of a roster, encoded: {exact_hash, clk, block} for each, or the rows refused.
  // `records` are {given_name, family_name, birth_date, school} of strings; rows are numbered
  // from `firstRow` (2 for a file whose first line is its header).
  async function encodeRoster(records, { secret, schema, nicknames, firstRow = 1 }) {
    const secretBytes = typeof secret === "string" ? parseSecret(secret) : secret;
    const exactKey = await hmacKey(await hkdf(secretBytes, EXACT_INFO, 32), "SHA-256");
    const blockKey = await hmacKey(await hkdf(secretBytes, BLOCK_INFO, 32), "SHA-256");
    const clk = await clkEncoder(schema, secretBytes);
    const encoded = [];
    const refused = [];
    for (let i = 0; i < records.length; i++) {
      let identity;
      try {
        identity = normaliseRecord(records[i], nicknames, firstRow + i);
      } catch (error) {
        if (!(error instanceof EncodingError)) throw error;
        refused.push({ row: error.row, field: error.field, reason: error.reason });
        encoded.push(null);
        continue;
      }
      encoded.push({
        exact_hash: await exactHash(exactKey, identity),
        clk: await clk(clkFields(identity)),
        block: await blockingKey(blockKey, identity),
      });
    }
    return { encoded, refused };
  }

  const api = {
    EncodingError,
    normaliseName,
    normaliseGivenName,
    normaliseDate,
    normaliseRecord,
    parseSecret,
    formatSecret,
    checkValue,
    blockOf,
    clkFields,
    clkEncoder,
    encodeRoster,
    md5,
    hmacMd5,
  };
  if (inNode) module.exports = api;
  else root.EcotoneRosterEncoder = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
