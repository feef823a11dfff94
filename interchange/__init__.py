"""Interoperability formats: what leaves this system for someone else's (docs/adr/0010).

One package per format: ``mhsds/`` (the Mental Health Services Data Set v6 monthly extract);
``fhir/`` will follow. Above ``access`` in the layers (docs/architecture.md): it reads records
for a submission and its pages are for the few roles that make one.
"""
