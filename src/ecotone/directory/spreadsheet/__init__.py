"""The flat spreadsheet, one row per program and location, in CSV or XLSX:

- `columns`: `COLUMNS`, the one description of the format, which everything below follows;
- `cells`: one cell read by its column's kind (`PARSERS`);
- `reading`: a file read into a `Batch` for the importer, keeping what the sheet leaves out;
- `writing`: programs written back into rows (CSV, XLSX), and the template with its guide;
- `views`: the column guide, the template and the exports (their URLs are in
  `directory/urls.py`).
"""
