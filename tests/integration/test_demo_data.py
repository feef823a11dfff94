"""`manage.py load_demo` builds a believable service, through the services, exactly once.

Time is frozen so the demo's clocks are in the same state on every run: the
showcase referrals put at least one clock past its warning and one past its
deadline at the moment of loading, whatever the random draw.
"""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count

from accounts.models import AuditEvent, Role, User
from demo.catalogue import DEMO_PASSWORD
from demo.loader import clock_states
from localities.models import Locality, Organisation, PostcodeDistrict, Practice, Team
from referrals.models import (
    Allocation,
    Clock,
    ClockEvent,
    Handoff,
    Intervention,
    OutcomeMeasure,
    Person,
    Referral,
    SharingConsent,
    TrustedAssessment,
)
from referrals.nhs_number import is_valid_nhs_number

LOAD_TIME = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
REFERRALS = 120

BNSSG_LOCALITIES = {
    "South Gloucestershire",
    "North and West Bristol",
    "Inner City and East Bristol",
    "South Bristol",
    "Woodspring",
    "Weston, Worle and Villages",
}


def load_demo(referrals: int = REFERRALS) -> str:
    out = StringIO()
    call_command("load_demo", referrals=referrals, stdout=out)
    return out.getvalue()


@pytest.fixture
def frozen():
    with time_machine.travel(LOAD_TIME, tick=False):
        yield LOAD_TIME


@pytest.mark.django_db
def test_demo_builds_six_localities_each_with_an_intake_team_and_the_system_services(frozen):
    load_demo()

    localities = Locality.objects.select_related("intake_team")
    assert {loc.name for loc in localities} == BNSSG_LOCALITIES
    for locality in localities:
        assert locality.intake_team.kind == Team.Kind.LOCALITY
        assert locality.intake_team.locality_id == locality.pk
        assert "Integrated and Personalised Care Team" in locality.intake_team.name
        assert locality.practices.count() >= 3
        assert locality.postcode_districts.exists()
    system = Team.objects.filter(locality__isnull=True)
    assert set(system.values_list("kind", flat=True)) == {Team.Kind.SYSTEM_SERVICE, Team.Kind.CRISIS}
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert {
        Organisation.Kind.NHS_TRUST,
        Organisation.Kind.VCSE,
        Organisation.Kind.LOCAL_AUTHORITY,
        Organisation.Kind.TALKING_THERAPIES,
        Organisation.Kind.GP_PRACTICE,
    } <= kinds
    assert Organisation.objects.filter(kind=Organisation.Kind.VCSE).count() >= 3
    assert all(
        p.organisation.kind == Organisation.Kind.GP_PRACTICE for p in Practice.objects.select_related("organisation")
    )
    assert PostcodeDistrict.objects.filter(outward_code="BS5").get().locality.name == "Inner City and East Bristol"


@pytest.mark.django_db
def test_demo_staff_cover_every_role_with_one_password_and_invalid_emails(frozen):
    out = load_demo()

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())
    assert all(user.email.endswith(".invalid") for user in User.objects.all())
    vcse_link_workers = User.objects.filter(role=Role.LINK_WORKER, organisation__kind=Organisation.Kind.VCSE)
    assert vcse_link_workers.filter(job_title="Peer support worker").exists()
    assert vcse_link_workers.exclude(job_title="Peer support worker").exists()
    for team in Team.objects.all():
        assert team.memberships.filter(user__role=Role.TEAM_MANAGER).exists(), team
        assert team.memberships.filter(user__role=Role.LINK_WORKER).exists(), team
    # The table of logins names every account and the shared password.
    assert DEMO_PASSWORD in out
    for username in User.objects.values_list("username", flat=True):
        assert username in out


@pytest.mark.django_db
def test_demo_referrals_reach_every_status_through_the_services(frozen):
    load_demo()

    # The requested number, plus the waits demo's own: three early intervention in psychosis
    # journeys and two arrivals at the urgent care hub (demo/waits.py).
    total = REFERRALS + 5
    assert Referral.objects.count() == total
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    assert set(Referral.objects.values_list("urgency", flat=True)) == set(Referral.Urgency.values)
    assert Referral.objects.filter(received_at__gt=LOAD_TIME).count() == 0
    assert Referral.objects.filter(received_at__lt=LOAD_TIME - timedelta(days=365)).count() == 0
    # Built by the services: two clocks each with their start event, audit rows, hand-offs, allocations.
    per_referral = (
        Clock.objects.exclude(kind=Clock.Kind.INTERVENTION)
        .values("referral")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert set(per_referral) == {2}
    assert (
        ClockEvent.objects.filter(
            kind=ClockEvent.Kind.STARTED, clock__kind__in=[Clock.Kind.FIRST_RESPONSE, Clock.Kind.TREATMENT]
        ).count()
        == 2 * total
    )
    assert AuditEvent.objects.filter(action="referral.create").count() == total
    assert AuditEvent.objects.filter(at__gt=LOAD_TIME).count() == 0
    redirected_ever = Referral.objects.filter(handoffs__isnull=False).distinct()
    assert redirected_ever.exists()
    assert Handoff.objects.filter(to_team__kind=Team.Kind.SYSTEM_SERVICE).exists()
    assert Handoff.objects.filter(to_team__kind=Team.Kind.CRISIS).exists()
    held = Referral.objects.filter(allocated_to__isnull=False, ended_at__isnull=True)
    assert held.exists()
    assert Allocation.objects.filter(ended_at__isnull=True).count() == held.count()
    # The person's story is told once and shared with consent; treatment starts with an intervention and a baseline.
    assert TrustedAssessment.objects.exists() and SharingConsent.objects.exists()
    assert Intervention.objects.exists()
    assert OutcomeMeasure.objects.filter(stage=OutcomeMeasure.Stage.BASELINE).exists()
    assert not Referral.objects.filter(status=Referral.Status.TRIAGED, thrive_grouping="").exists()
    # Synthetic NHS numbers only: the 999 range, valid check digit.
    numbers = list(Person.objects.exclude(nhs_number=None).values_list("nhs_number", flat=True))
    assert numbers and all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)
    assert Person.objects.filter(nhs_number=None).exists()  # some self-referrals come without one


@pytest.mark.django_db
def test_demo_equality_monitoring_is_a_realistic_mix_including_not_stated(frozen):
    load_demo()

    for field in ("ethnicity", "gender", "sexual_orientation", "disability"):
        answers = set(Person.objects.values_list(field, flat=True))
        not_stated = Person._meta.get_field(field).default
        assert not_stated in answers, field
        assert len(answers) >= 3, field


@pytest.mark.django_db
def test_demo_has_clocks_breached_near_breach_and_met_at_load_time(frozen):
    out = load_demo()

    states = clock_states(LOAD_TIME)
    first, treatment = states[Clock.Kind.FIRST_RESPONSE], states[Clock.Kind.TREATMENT]
    assert first["near_breach"] >= 1 and first["breached"] >= 1 and first["met"] >= 1 and first["stopped_late"] >= 1
    assert treatment["near_breach"] >= 1 and treatment["breached"] >= 1 and treatment["met"] >= 1
    # The load prints them; it does not sweep (Celery beat does), so no alert exists yet.
    assert "near breach" in out
    assert not Clock.objects.filter(next_alert_step__gt=0).exists()


@pytest.mark.django_db
def test_running_load_demo_twice_loads_once_and_prints_the_logins_again(frozen):
    load_demo()
    counts = {model: model.objects.count() for model in (Referral, User, Team, Organisation, Person, AuditEvent)}

    again = load_demo()

    assert "already loaded" in again
    assert "admin" in again and DEMO_PASSWORD in again
    assert {model: model.objects.count() for model in counts} == counts
