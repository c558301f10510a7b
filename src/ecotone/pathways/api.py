"""The pathways' and badges' REST API (/api/v1/ecosystems/<slug>/pathways/ and beside it):
scoped by `access`, writes through the services."""
