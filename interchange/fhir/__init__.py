"""A read-only FHIR R4 API under /fhir/ in the shape of the UK Core profiles (docs/adr/0011).

``served`` lists what is served; ``mapping`` turns our records into fhir.resources models (pure
functions); ``selectors`` reads them for a user through ``access.selectors`` (the same rules as
every page and /api/v1/); ``search`` reads the search parameters; ``views`` adapts HTTP and
audits each read.
"""
