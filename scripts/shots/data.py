"""The data and logins the screenshots need: the demo (or a small fallback), its alerts swept and
delivered, a demo user per role, and a session cookie for them."""

from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User


def ensure_data() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    try:
        from demo.loader import demo_is_loaded
    except ImportError:
        demo_is_loaded = None
    if demo_is_loaded is not None:
        if not demo_is_loaded():
            print("Loading the demo (manage.py load_demo --referrals 300)...")
            call_command("load_demo", referrals=300, verbosity=0)
    else:
        _fallback_data()
    sweep_and_deliver()


def sweep_and_deliver() -> None:
    """What `make run`'s beat and worker do every minute: raise due alerts and put them in inboxes
    (and, with the default settings, write their emails to files under var/sent-email/)."""
    from referrals.services.alerts import alert_deliver_next, clocks_sweep

    now = timezone.now()
    clocks_sweep(now=now)
    delivered = 0
    while alert_deliver_next(now=now) is not None:
        delivered += 1
    if delivered:
        print(f"Swept the clocks: delivered {delivered} alerts.")


def _fallback_data() -> None:
    """A team, its staff and a few referrals, for when the demo loader is not there."""
    from localities.models import Locality, Organisation, PostcodeDistrict, Team
    from referrals.services.referrals import referral_create

    if User.objects.filter(username="shots-clinician").exists():
        return
    print("No demo loader: making a small synthetic team for the screenshots.")
    trust, _ = Organisation.objects.get_or_create(
        name="Synthetic Partnership NHS Trust", defaults={"kind": Organisation.Kind.NHS_TRUST}
    )
    vcse, _ = Organisation.objects.get_or_create(name="Synthetic Mind", defaults={"kind": Organisation.Kind.VCSE})
    locality, _ = Locality.objects.get_or_create(name="Inner City and East Bristol", defaults={"code": "icE"})
    team, _ = Team.objects.get_or_create(
        name="Inner City and East IPCT",
        defaults={"organisation": trust, "locality": locality, "kind": Team.Kind.LOCALITY},
    )
    locality.intake_team = team
    locality.save()
    PostcodeDistrict.objects.get_or_create(outward_code="BS5", defaults={"locality": locality})
    staff = [
        ("shots-clinician", "Priya", "Shah", Role.CLINICIAN, trust, "Community psychiatric nurse"),
        ("shots-link-worker", "Jordan", "Hughes", Role.LINK_WORKER, vcse, "Peer support worker"),
        ("shots-manager", "Morgan", "Ellis", Role.TEAM_MANAGER, trust, "Team manager"),
        ("shots-service-manager", "Sam", "Okafor", Role.SERVICE_MANAGER, trust, "Service manager"),
    ]
    for username, first, last, role, org, title in staff:
        user = User.objects.create(
            username=username, first_name=first, last_name=last, role=role, organisation=org, job_title=title
        )
        if role != Role.SERVICE_MANAGER:
            user.memberships.create(team=team)
    now = timezone.now()
    clinician = User.objects.get(username="shots-clinician")
    for hours_ago, given, family in [(30, "Alex", "Example"), (20, "Sam", "Sample"), (2, "Jo", "Placeholder")]:
        received = now - timedelta(hours=hours_ago)
        referral_create(
            by=clinician,
            now=received,
            received_at=received,
            source="gp",
            urgency="routine",
            presenting_need="Low mood and anxiety for three months; not sleeping.",
            given_name=given,
            family_name=family,
            postcode="BS5 6XX",
        )


def user_for(role: str, team: str = "") -> User:
    """The demo user of this role who is in a team (if the role has teams) with the most people;
    with ``team``, one in a team whose name contains it, if there is one."""
    users = User.objects.filter(role=role, is_active=True).order_by("username")
    if team and users.filter(memberships__team__name__icontains=team).exists():
        users = users.filter(memberships__team__name__icontains=team)
    user = users.filter(memberships__isnull=False).first() or users.first()
    if user is None:
        raise SystemExit(f"No active user with the role {role!r} in this database.")
    return user


def session_cookie(user: User, base_url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
    }
