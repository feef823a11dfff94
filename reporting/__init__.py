"""Dashboards for managers and commissioners: waits, breaches, demand and capacity, equality
of access, flow and outcomes.

Reads only: the pages read the reporting tables (reporting/models/rollups.py), which
``facts`` and ``rebuild`` keep exact. Measures live in one small module each (waits,
breaches, capacity, equality, flow); ``suppression`` decides what an aggregate may show;
``tables``, ``charts`` and ``csv`` draw what the measures return; ``views`` only parse the
query string and call them.
"""
