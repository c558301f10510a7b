"""The flat spreadsheet, one row per program and location, in CSV or XLSX:

- `sheet`: its columns (`COLUMNS`), reading a file into a `Batch`, writing programs back into
  rows, and the template;
- `views`: the column guide, the template and the exports (their URLs are in
  `directory/urls.py`).
"""
