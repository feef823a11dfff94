import itertools

import factory
from django.utils import timezone

from accounts.models import Role, User
from referrals.models import Person
from referrals.nhs_number import nhs_number_check_digit

_serial = itertools.count(400_000_000)


def valid_nhs_number() -> str:
    """A fresh NHS number with a correct check digit (synthetic: never a real one)."""
    while True:
        first_nine = f"{next(_serial):09d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.invalid")
    role = Role.CLINICIAN

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            for team in extracted:
                self.memberships.create(team=team)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    nhs_number = factory.LazyFunction(valid_nhs_number)
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    birth_date = factory.Faker("date_of_birth", minimum_age=16, maximum_age=90)
    postcode = "BS1 4XX"
    created_at = factory.LazyFunction(timezone.now)
