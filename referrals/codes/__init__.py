"""Shipped code lists: the MHSDS v6 field codes and the SNOMED CT sets the measures read."""
