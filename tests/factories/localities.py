import factory

from localities.models import Locality, Organisation, PostcodeDistrict, Practice, Team


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.NHS_TRUST


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality

    name = factory.Sequence(lambda n: f"Locality {n}")
    code = factory.Sequence(lambda n: f"locality-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    kind = Team.Kind.LOCALITY
    organisation = factory.SubFactory(OrganisationFactory)
    locality = factory.SubFactory(LocalityFactory)
    email = factory.LazyAttribute(lambda t: f"{t.name.lower().replace(' ', '.')}@teams.invalid")


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    ods_code = factory.Sequence(lambda n: f"L{81000 + n:05d}")
    name = factory.Sequence(lambda n: f"Practice {n}")
    locality = factory.SubFactory(LocalityFactory)


class PostcodeDistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostcodeDistrict

    outward_code = factory.Sequence(lambda n: f"BS{n}")
    locality = factory.SubFactory(LocalityFactory)
