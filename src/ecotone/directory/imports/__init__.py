"""The directory's upload: a file of programs read by its format, checked, then applied.

- `batch`: the `Batch` every reader fills (HSDS JSON, the data package, the flat spreadsheet);
- `runs`: an import run on the shared upload lifecycle of `ecotone.uploads`: which reader a file
  goes to, `import_batch` (in `hsds.imports`) to check and apply it, and the task
  `apply_import_run`;
- `views`: backbone staff's import and export pages (their URLs are in `directory/urls.py`).
"""
