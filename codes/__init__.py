"""National code lists, shipped as data: the MHSDS v6 field codes and the SNOMED CT sets the
measures read. Nothing here imports our apps; every app may read it."""
