// "Submit a participation roster" (measures/rosters/form.html, docs/reach.md). The person's
// file is read here, in the browser (papaparse for CSV, read-excel-file for XLSX), its columns
// matched to the roster's fields by their headers, and every row encoded by roster-encoder.js
// under the linkage secret the person typed, once that secret gives the epoch's check value.
// Each row's dimension values are read into common codes by roster-codes.js, with the tables
// of accepted spellings the server put in the configuration (per organization of the chosen
// program); a row whose value is no accepted spelling is refused here, never sent.
// The page shows what will be sent; only the program, the school year, the check value, the
// code columns' names and, per row, the exact hash, the CLK, the blocking key and the common
// codes are POSTed to the API. The file, the names, the birth dates, the schools and the secret are never
// sent: the form has no action, its inputs no name. Every sentence comes from the page's
// configuration (translated by the server).
(function () {
  "use strict";
  var form = document.querySelector("form[data-roster-form]");
  var configNode = document.getElementById("roster-config");
  if (!form || !configNode) return;
  var config = JSON.parse(configNode.textContent);
  var texts = config.texts;
  var Encoder = window.EcotoneRosterEncoder;
  var Codes = window.EcotoneRosterCodes;
  var CHUNK = 500; // rows encoded between two repaints of the progress bar
  var PREVIEW = 10;
  var LISTED = 200; // refused rows listed at most
  var file = null; // {header: [...], rows: [[...]], lines: [file row numbers]}
  var encoded = null; // what Send posts, with each sent row's file row number

  function $(selector) { return form.querySelector(selector); }
  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }
  function show(selector, visible) { $(selector).hidden = !visible; }
  function fail(message) {
    var box = $("[data-form-error]");
    box.textContent = message;
    box.hidden = !message;
  }
  function normaliseHeader(text) {
    return String(text).toLowerCase().normalize("NFKD").replace(/\p{Mn}/gu, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  function pad(n) { return String(n).padStart(2, "0"); }
  function cellText(value) {
    if (value === null || value === undefined) return "";
    if (value instanceof Date) {
      return value.getUTCFullYear() + "-" + pad(value.getUTCMonth() + 1) + "-" + pad(value.getUTCDate());
    }
    return String(value).trim();
  }
  function tick() { return new Promise(function (resolve) { setTimeout(resolve, 0); }); }
  function cell(row, text, tag) {
    var node = document.createElement(tag || "td");
    node.textContent = text;
    row.appendChild(node);
    return node;
  }
  function fieldLabel(field) { return config.fields[field] || field; }

  function forget() {
    encoded = null;
    ["[data-preview]", "[data-refused]", "[data-server-problems]", "[data-progress-box]"].forEach(function (s) { show(s, false); });
    fail("");
  }

  // --- reading the file ----------------------------------------------------------------

  function parseCsv(chosen, encoding) {
    return new Promise(function (resolve, reject) {
      window.Papa.parse(chosen, {
        encoding: encoding,
        skipEmptyLines: false,
        complete: function (result) { resolve(result.data); },
        error: function (error) { reject(error); },
      });
    });
  }

  // Spreadsheet programs still save "CSV" in Windows-1252: read as UTF-8, its accented letters
  // become U+FFFD, and "García" would be encoded as another name. Read such a file again.
  async function readCsv(chosen) {
    var rows = await parseCsv(chosen, "UTF-8");
    var garbled = rows.some(function (row) { return row.some(function (value) { return value.indexOf("\uFFFD") >= 0; }); });
    return garbled ? parseCsv(chosen, "windows-1252") : rows;
  }

  async function readXlsx(chosen) {
    var result = await window.readXlsxFile(chosen);
    // read-excel-file 9 gives every sheet ([{sheet, data}]); the first is the roster
    if (result.length && result[0] && Array.isArray(result[0].data)) return result[0].data;
    return result;
  }

  async function readFile(chosen) {
    var name = chosen.name.toLowerCase();
    var rows;
    if (name.endsWith(".xlsx")) rows = await readXlsx(chosen);
    else if (name.endsWith(".csv") || name.endsWith(".txt")) rows = await readCsv(chosen);
    else throw new Error(texts.notCsvOrXlsx);
    rows = rows.map(function (row) { return row.map(cellText); });
    var header = rows.length ? rows[0] : [];
    var data = [];
    var lines = [];
    for (var i = 1; i < rows.length; i++) {
      if (rows[i].some(function (value) { return value !== ""; })) {
        data.push(rows[i]);
        lines.push(i + 1); // the file's row: its header is row 1
      }
    }
    return { header: header, rows: data, lines: lines };
  }

  function buildMapping() {
    var box = $("[data-mapping-fields]");
    box.textContent = "";
    var headers = file.header.map(normaliseHeader);
    var taken = {};
    config.columns.forEach(function (column) {
      var names = column.names.map(normaliseHeader);
      var found = headers.findIndex(function (h, i) { return !taken[i] && names.indexOf(h) >= 0; });
      if (found >= 0) taken[found] = true;
      var wrapper = document.createElement("tr");
      var label = document.createElement("label");
      label.htmlFor = "roster-column-" + column.key;
      label.textContent = column.label + (column.required ? " *" : "");
      var select = document.createElement("select");
      select.id = "roster-column-" + column.key;
      select.dataset.column = column.key;
      var none = document.createElement("option");
      none.value = "";
      none.textContent = texts.notMapped;
      select.appendChild(none);
      file.header.forEach(function (header, index) {
        var option = document.createElement("option");
        option.value = String(index);
        option.textContent = header || "#" + (index + 1);
        select.appendChild(option);
      });
      select.value = found >= 0 ? String(found) : "";
      select.addEventListener("change", forget);
      cell(wrapper, "", "th").appendChild(label);
      wrapper.firstChild.scope = "row";
      cell(wrapper, "").appendChild(select);
      box.appendChild(wrapper);
    });
  }

  async function chooseFile() {
    forget();
    file = null;
    show("[data-mapping]", false);
    var chosen = $("[data-file]").files[0];
    if (!chosen) return;
    try {
      file = await readFile(chosen);
    } catch (error) {
      fail(error.message === texts.notCsvOrXlsx ? error.message : format(texts.unreadable, { reason: error.message || error }));
      return;
    }
    if (!file.rows.length) { fail(texts.noRows); file = null; return; }
    buildMapping();
    $("[data-read-status]").textContent = format(texts.read, { rows: file.rows.length.toLocaleString() });
    show("[data-mapping]", true);
  }

  // --- encoding ------------------------------------------------------------------------

  function mapping() {
    var chosen = {};
    var used = {};
    for (var column of config.columns) {
      var value = form.querySelector("[data-column='" + column.key + "']").value;
      if (value === "") {
        if (column.required) throw new Error(format(texts.missingColumn, { column: column.label }));
        continue;
      }
      if (used[value]) throw new Error(format(texts.sameColumn, { header: file.header[Number(value)] }));
      used[value] = true;
      chosen[column.key] = Number(value);
    }
    return chosen;
  }

  async function checkedSecret(period) {
    var expected = config.checkValues[period];
    if (!expected) throw new Error(texts.noEpoch);
    var secret;
    try {
      secret = Encoder.parseSecret($("[data-secret]").value);
    } catch (error) {
      throw new Error(fieldLabel("secret") + ": " + config.reasons.not_a_secret);
    }
    var check = await Encoder.checkValue(secret);
    if (check !== expected) throw new Error(texts.wrongSecret);
    return { secret: secret, check: check };
  }

  function previewRow(row, line) {
    var tr = document.createElement("tr");
    cell(tr, String(line), "th").scope = "row";
    cell(tr, row.exact).className = "hash";
    cell(tr, row.clk.slice(0, 24) + "…").className = "hash";
    cell(tr, row.block).className = "hash";
    Object.keys(row.codes).forEach(function (d) { cell(tr, row.codes[d]); });
    return tr;
  }

  function problemRow(line, field, reason) {
    var tr = document.createElement("tr");
    cell(tr, String(line), "th").scope = "row";
    cell(tr, fieldLabel(field));
    cell(tr, reason);
    return tr;
  }

  async function encode() {
    forget();
    var program = $("[data-program]").value;
    var chosenProgram = $("[data-program]").selectedOptions[0];
    var organization = chosenProgram ? chosenProgram.dataset.organization : "";
    var period = $("[data-period]").value;
    var columns, key;
    try {
      if (!program) throw new Error(texts.chooseProgram);
      if (!period) throw new Error(texts.choosePeriod);
      if (!file) throw new Error(texts.chooseFile);
      key = await checkedSecret(period);
      columns = mapping();
      if (file.rows.length > config.maxRows) {
        throw new Error(format(texts.tooMany, { most: config.maxRows.toLocaleString(), rows: file.rows.length.toLocaleString() }));
      }
    } catch (error) {
      fail(error.message);
      return;
    }
    var dimensions = config.columns.filter(function (c) { return c.dimension && c.key in columns; }).map(function (c) { return c.key; });
    var at = function (row, field) { return field in columns ? row[columns[field]] || "" : ""; };
    var rows = [];
    var lines = [];
    var refused = [];
    var total = file.rows.length;
    var bar = $("[data-progress]");
    var status = $("[data-progress-text]");
    show("[data-progress-box]", true);
    $("[data-encode]").disabled = true;
    try {
      for (var start = 0; start < total; start += CHUNK) {
        bar.value = Math.round((100 * start) / total);
        status.textContent = format(texts.encoding, { done: start.toLocaleString(), rows: total.toLocaleString() });
        await tick();
        var chunk = file.rows.slice(start, start + CHUNK);
        var records = chunk.map(function (row) {
          return { given_name: at(row, "given_name"), family_name: at(row, "family_name"), birth_date: at(row, "birth_date"), school: at(row, "school") };
        });
        var result = await Encoder.encodeRoster(records, { secret: key.secret, schema: config.schema, nicknames: config.nicknames, firstRow: 0 });
        result.refused.forEach(function (r) {
          refused.push({ row: file.lines[start + r.row], field: r.field, reason: config.reasons[r.reason] || r.reason });
        });
        result.encoded.forEach(function (e, i) {
          // Only common codes are sent: a value that is no accepted spelling stays here.
          var codes = {};
          var known = true;
          dimensions.forEach(function (d) {
            var value = at(chunk[i], d);
            var code = value === "" ? null : Codes.readCode(config.codeTables, organization, d, value);
            if (code === null) {
              known = false;
              refused.push({ row: file.lines[start + i], field: d, reason: config.reasons[value === "" ? "empty" : "not_a_code"] });
            } else {
              codes[d] = code;
            }
          });
          if (!e || !known) return;
          rows.push({ exact: e.exact_hash, clk: e.clk, block: e.block, codes: codes });
          lines.push(file.lines[start + i]);
        });
      }
    } finally {
      $("[data-encode]").disabled = false;
    }
    show("[data-progress-box]", false);

    var head = $("[data-preview-head]");
    head.querySelectorAll("[data-dimension]").forEach(function (th) { th.remove(); });
    dimensions.forEach(function (d) {
      var th = cell(head, fieldLabel(d), "th");
      th.scope = "col";
      th.dataset.dimension = d;
    });
    var body = $("[data-preview-rows]");
    body.textContent = "";
    rows.slice(0, PREVIEW).forEach(function (row, i) { body.appendChild(previewRow(row, lines[i])); });
    $("[data-preview-status]").textContent = format(texts.encoded, { rows: rows.length.toLocaleString() });
    show("[data-preview]", rows.length > 0);
    if (refused.length) {
      var list = $("[data-refused-rows]");
      list.textContent = "";
      refused.slice(0, LISTED).forEach(function (r) { list.appendChild(problemRow(r.row, r.field, r.reason)); });
      $("[data-refused-status]").textContent = format(texts.refused, { count: refused.length.toLocaleString() });
      show("[data-refused]", true);
    }
    $("[data-send]").disabled = refused.length > 0 || !rows.length;
    if (!refused.length && rows.length) {
      encoded = { payload: { program: program, period: Number(period), check_value: key.check, dimensions: dimensions, rows: rows }, lines: lines };
    }
  }

  // --- sending -------------------------------------------------------------------------

  function serverProblems(answer) {
    var list = $("[data-problem-rows]");
    list.textContent = "";
    (answer.problems || []).slice(0, LISTED).forEach(function (p) {
      list.appendChild(problemRow(encoded.lines[p.row - 1] || p.row, p.field, p.message));
    });
    $("[data-server-status]").textContent = answer.detail || texts.serverRefused;
    show("[data-server-problems]", true);
  }

  function firstMessage(answer) {
    for (var key of ["non_field_errors", "program", "period", "check_value", "dimensions", "rows", "detail"]) {
      var value = answer && answer[key];
      if (value) return Array.isArray(value) ? value.join(" ") : typeof value === "string" ? value : JSON.stringify(value);
    }
    return "";
  }

  async function send() {
    if (!encoded) return;
    fail("");
    show("[data-server-problems]", false);
    var button = $("[data-send]");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    var status = $("[data-preview-status]");
    status.textContent = texts.sending;
    var response, answer = {};
    try {
      response = await fetch(config.api, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
        },
        body: JSON.stringify(encoded.payload),
      });
      answer = await response.json().catch(function () { return {}; });
    } catch (error) {
      fail(texts.offline);
      button.disabled = false;
      button.removeAttribute("aria-busy");
      return;
    }
    button.removeAttribute("aria-busy");
    if (response.status === 201) {
      window.location.assign(config.rosterUrl.replace(/\/0\/$/, "/" + answer.id + "/"));
      return;
    }
    button.disabled = false;
    status.textContent = "";
    if (answer.problems) serverProblems(answer);
    else fail(format(texts.failed, { reason: firstMessage(answer) || response.status }));
  }

  $("[data-file]").addEventListener("change", chooseFile);
  ["[data-program]", "[data-period]", "[data-secret]"].forEach(function (s) { $(s).addEventListener("input", forget); });
  $("[data-encode]").addEventListener("click", encode);
  $("[data-send]").addEventListener("click", send);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
})();
