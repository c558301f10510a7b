// The roster page reads a file's dimension values (sex, race, grade...) into common codes in
// the browser, before anything is sent (docs/reach.md "Submitting a roster"): a value that is no
// accepted spelling is refused here, so a wrongly chosen column (names as race) never leaves
// the computer. The tables come from the server (`measures/services/crosswalk.code_tables`);
// a value is read as `Resolver.code` reads it: a standard spelling by `codes._key`, then the
// organization's crosswalk by `crosswalk._local`. Both key rules are written again here, and
// tests/measures/test_roster_codes_conformance.py runs them against Python's on many strings.
(function (root) {
  "use strict";
  var inNode = typeof module !== "undefined" && module.exports;
  // Python's str.isspace() (what `\s` and str.split() read), not JavaScript's \s.
  var SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var KEY_DROP = new RegExp("[" + SPACE + "_\\-/]+", "g");
  var SPACES = new RegExp("[" + SPACE + "]+", "g");
  var has = Object.prototype.hasOwnProperty;

  // str.casefold(), one code point at a time (full case folding is context-free): upper then
  // lower case gives it but for dotless i, capital sharp s and Cherokee (folded to capitals).
  function foldOne(c) {
    var cp = c.codePointAt(0);
    if (cp < 0x80) return c.toLowerCase();
    if (cp === 0x131) return c;
    if (cp === 0x1e9e) return "ss";
    if (cp >= 0x13a0 && cp <= 0x13f5) return c;
    if ((cp >= 0x13f8 && cp <= 0x13fd) || (cp >= 0xab70 && cp <= 0xabbf)) return c.toUpperCase();
    var upper = c.toUpperCase();
    return upper === c ? c.toLowerCase() : upper.toLowerCase();
  }
  function casefold(text) {
    var out = "";
    for (var c of String(text)) out += foldOne(c);
    return out;
  }
  // codes._key: case, spaces, "_", "-" and "/" do not change a code's meaning.
  function key(text) { return casefold(text).replace(KEY_DROP, ""); }
  // crosswalk._local: runs of spaces are one, case does not matter.
  function local(text) {
    return casefold(String(text).split(SPACES).filter(function (w) { return w !== ""; }).join(" "));
  }

  // The common code of `value` in `dimension` for the organization's slug, or null.
  function readCode(tables, organization, dimension, value) {
    var standard = tables.codes[dimension] || {};
    var k = key(value);
    if (has.call(standard, k)) return standard[k];
    var own = (tables.local[organization] || {})[dimension] || {};
    var l = local(value);
    return has.call(own, l) ? own[l] : null;
  }

  var api = { casefold: casefold, key: key, local: local, readCode: readCode };
  if (inNode) module.exports = api;
  else root.EcotoneRosterCodes = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
