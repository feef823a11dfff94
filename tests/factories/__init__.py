"""Factories per model and per state. Referrals are built through the services,
as a user would make them, so the clocks and audit rows are real: one factory per
lifecycle state in ``states.py`` (its docstring lists them)."""

from .localities import LocalityFactory, OrganisationFactory, PostcodeDistrictFactory, PracticeFactory, TeamFactory
from .people import PersonFactory, UserFactory, valid_nhs_number
from .referrals import make_referral
from .states import (
    make_allocated_referral,
    make_closed_referral,
    make_discharged_referral,
    make_in_treatment_referral,
    make_received_referral,
    make_redirected_referral,
    make_triaged_referral,
)

__all__ = [
    "LocalityFactory",
    "OrganisationFactory",
    "PersonFactory",
    "PostcodeDistrictFactory",
    "PracticeFactory",
    "TeamFactory",
    "UserFactory",
    "make_allocated_referral",
    "make_closed_referral",
    "make_discharged_referral",
    "make_in_treatment_referral",
    "make_received_referral",
    "make_redirected_referral",
    "make_referral",
    "make_triaged_referral",
    "valid_nhs_number",
]
