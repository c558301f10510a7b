"""Date formats per language (FORMAT_MODULE_PATH): dates written out with the month's short
name, never as numbers that read differently on each side of the Atlantic (12/06/2026).
Anything not set here is Django's own format for the language."""
