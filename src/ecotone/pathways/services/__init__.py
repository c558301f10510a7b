"""Pathways' and badges' operations, one module per area: what pages, the API, commands and
tasks all call."""
