"""Allocations are clinical records: not in the admin (docs/adr/0006). Allocate from the pages."""
