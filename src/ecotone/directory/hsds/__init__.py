"""Open Referral HSDS 3.0, the directory's exchange format, one module per side:

- `export`: the directory as HSDS records (JSON-ready dicts), streamed in chunks;
- `tabular`: the same records as the HSDS tabular data package (CSV files + datapackage.json);
- `readers`: HSDS JSON and data packages read into a `Batch` (no database);
- `imports`: `import_batch`, which decides what a batch's records mean for an ecosystem and
  applies them (every reader's batch, the flat spreadsheet's too, goes through it);
- `views` and `urls`: the read-only HSDS API under `/api/hsds/<ecosystem_slug>/`.
"""
