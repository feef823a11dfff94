"""A believable synthetic service for demonstrations: six localities, partners, staff and referrals.

Everything here is invented. ``demo.loader.demo_load`` builds it through the same services
that staff use, so clocks, hand-offs, allocations and the audit log are real.
"""
