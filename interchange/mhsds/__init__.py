"""The MHSDS v6 monthly extract: one CSV per table in a zip, and its validation report
(docs/adr/0010-mhsds-extract.md maps each element and cites NHS England's code that reads it)."""
