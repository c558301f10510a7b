"""Which pathways, achievements and awards a person reaches, each from the request's ecosystem
or 404: one rule for pages, the API and services."""
