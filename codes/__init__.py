"""National code lists: the MHSDS v6 field codes and the SNOMED CT sets the measures read,
shipped as data, and the reference set members a trust loads from its SNOMED CT UK release
(``codes.models``). Nothing here imports our apps; every app may read it."""
