"""Factories per model and per state. Referrals are built through the services,
as a user would make them, so the clocks and audit rows are real."""

from .localities import LocalityFactory, OrganisationFactory, PostcodeDistrictFactory, PracticeFactory, TeamFactory
from .people import PersonFactory, UserFactory, valid_nhs_number
from .referrals import make_referral

__all__ = [
    "LocalityFactory",
    "OrganisationFactory",
    "PersonFactory",
    "PostcodeDistrictFactory",
    "PracticeFactory",
    "TeamFactory",
    "UserFactory",
    "make_referral",
    "valid_nhs_number",
]
