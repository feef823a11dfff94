import secrets

from django.conf import settings
from django.db import models

from codes.mhsds import (
    PRIMARY_REASON,
    PRIORITY_FOR_URGENCY,
    SOURCE_OF_REFERRAL,
    SOURCE_OF_REFERRAL_FOR_SOURCE,
)

# Crockford base32 without I, L, O, U: nothing a person could misread on the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A short reference to quote on the phone, e.g. 'RF-7KQ2M-9XD4P' (32**10 values)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"RF-{chars[:5]}-{chars[5:]}"


class Referral(models.Model):
    """One referral: a person reaching any access point, and everything that follows.

    A redirect to another team is a hand-off of this same referral (see Handoff),
    never a rejection and never a new referral: its clocks keep running.
    """

    class Source(models.TextChoices):
        GP = "gp", "GP or primary care"
        SELF = "self", "Self-referral"
        MENTAL_HEALTH_LINE = "mental_health_line", "24/7 mental health line"
        VCSE = "vcse", "VCSE partner"
        POLICE = "police", "Police"
        AMBULANCE = "ambulance", "Ambulance"
        EMERGENCY_DEPARTMENT = "emergency_department", "Emergency department (liaison)"
        SOCIAL_CARE = "social_care", "Social care"
        TALKING_THERAPIES = "talking_therapies", "Talking therapies"
        OTHER = "other", "Other"

    class Urgency(models.TextChoices):
        # MHSDS ClinRespPriorityType.
        EMERGENCY = "emergency", "Emergency"
        VERY_URGENT = "very_urgent", "Very urgent"
        URGENT = "urgent", "Urgent"
        ROUTINE = "routine", "Routine"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        TRIAGED = "triaged", "Triaged"
        ASSESSED = "assessed", "Assessed"
        ALLOCATED = "allocated", "Allocated to a link worker"
        IN_TREATMENT = "in_treatment", "In treatment"
        REDIRECTED = "redirected", "Redirected (warm handover)"
        DISCHARGED = "discharged", "Discharged"
        CLOSED = "closed", "Closed"

    class Thrive(models.TextChoices):
        # THRIVE needs-based groupings; a person's grouping can change over time.
        GETTING_ADVICE = "getting_advice", "Getting advice and signposting"
        GETTING_HELP = "getting_help", "Getting help"
        GETTING_MORE_HELP = "getting_more_help", "Getting more help"
        GETTING_RISK_SUPPORT = "getting_risk_support", "Getting risk support"

    class DischargeReason(models.TextChoices):
        GOALS_MET = "goals_met", "Goals met: back to self-care"
        PERSON_CHOSE = "person_chose", "The person chose to stop"
        ANOTHER_SERVICE = "another_service", "Care moved to another service"
        NO_ENGAGEMENT = "no_engagement", "Stopped engaging despite follow-up"
        OTHER = "other", "Other"

    class ClosureReason(models.TextChoices):
        DECLINED = "declined", "Person declined the service"
        NO_CONTACT = "no_contact", "Could not be contacted"
        MOVED_AWAY = "moved_away", "Moved out of area"
        DUPLICATE = "duplicate", "Duplicate referral"
        DIED = "died", "Died"
        OTHER = "other", "Other"

    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    # No index of its own (issue 17): the person's referral-spell indexes lead with it and serve the
    # same lookups; a second index cost about 25 MB at a million referrals (and a little on each write).
    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="referrals", db_index=False)
    source = models.CharField(max_length=32, choices=Source.choices)
    source_of_referral = models.CharField(
        "MHSDS source of referral",
        max_length=2,
        choices=SOURCE_OF_REFERRAL.choices,
        blank=True,
        help_text="The exact MHSDS code, when known; empty means the one derived from the source.",
    )
    primary_reason = models.CharField(
        "primary reason for referral", max_length=2, choices=PRIMARY_REASON.choices, blank=True
    )
    received_at = models.DateTimeField(help_text="The initial point of contact: when any access point got it.")
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    presenting_need = models.TextField()
    # No index of its own: (locality, status) leads with it (issue 17, as person above).
    locality = models.ForeignKey(
        "localities.Locality", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    # No index of its own: referral_team_access_idx leads with it.
    team = models.ForeignKey(
        "localities.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    routing_reason = models.CharField(max_length=200, blank=True)
    thrive_grouping = models.CharField(max_length=32, choices=Thrive.choices, blank=True)
    triage_next_step = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    status_changed_at = models.DateTimeField()

    # No index of its own: (allocated_to, status) leads with it (issue 17, as person above).
    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    treatment_started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=16, choices=ClosureReason.choices, blank=True)
    discharge_note = models.TextField(blank=True, help_text="Closure note, or the return-to-self-care plan.")
    discharge_reason = models.CharField(max_length=32, choices=DischargeReason.choices, blank=True)
    return_route = models.TextField(blank=True, help_text="How the person can get back in touch.")

    # Who referred, so they can be kept informed (referrals.services.referrer): where to write and
    # what lets them match a message to their own records. Never the person's details.
    referrer_ods_code = models.CharField(
        "referrer's ODS code", max_length=12, blank=True, help_text="The referring GP practice or organisation."
    )
    referrer_email = models.EmailField(
        "referrer's contact mailbox", blank=True, help_text="A shared mailbox the short status updates go to."
    )
    referrer_organisation = models.CharField(
        "referring organisation", max_length=200, blank=True, help_text="For example the VCSE partner."
    )
    referrer_police_reference = models.CharField("police reference", max_length=40, blank=True)

    # What the national measures read of each referral, kept by the services that change what
    # they derive from (referrals.services.measure_scope; docs/measures.md "Performance"), so a
    # month's measures read them from one index instead of working them out per referral.
    received_on = models.DateField(null=True, editable=False, help_text="The UK date of received_at.")
    adult_when_received = models.BooleanField(
        null=True, editable=False, help_text="18 or over on received_on; empty while the date of birth is unknown."
    )
    person_has_other_referrals = models.BooleanField(
        default=False, editable=False, help_text="The person has another referral: it may join this one's spell."
    )
    community_since = models.DateTimeField(
        null=True, editable=False, help_text="When it was first with a core community team (MHSDS team type)."
    )
    community_left_at = models.DateTimeField(
        null=True, editable=False, help_text="When it last left a core community team for a team of another type."
    )
    own_spell_stop_at = models.DateTimeField(
        null=True,
        editable=False,
        help_text="The referral-spell clock stop of a spell of this referral alone (its milestones).",
    )
    second_counting_contact_at = models.DateTimeField(
        null=True,
        editable=False,
        help_text="Its second attended direct contact, by date, time and id (the community wait to a second contact).",
    )
    last_handoff_at = models.DateTimeField(
        null=True, editable=False, help_text="When it was last handed on to another team (its latest hand-off)."
    )

    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="one_referral_per_idempotency_key",
            ),
            # Paired fields are set together, or the database refuses the row.
            models.CheckConstraint(
                condition=models.Q(status__in=["discharged", "closed"], ended_at__isnull=False)
                | (~models.Q(status__in=["discharged", "closed"]) & models.Q(ended_at__isnull=True)),
                name="ended_at_iff_ended",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(closure_reason=""),
                name="closed_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="discharged") | ~models.Q(discharge_reason=""),
                name="discharged_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="allocated") | models.Q(allocated_to__isnull=False),
                name="allocated_has_link_worker",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="in_treatment") | models.Q(treatment_started_at__isnull=False),
                name="in_treatment_has_start",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "team"]),
            models.Index(fields=["locality", "status"]),
            models.Index(fields=["allocated_to", "status"]),
            # Access control (referrals.selectors.referrals_visible_to): a team's referrals, or only
            # its open ones (ended_at IS NULL), as ids read from the index alone; with their received
            # time, so the API list orders a team's referrals newest first from here too
            # (access.selectors.referrals_visible_newest_first; issue 17), and the columns the API
            # list filters on (urgency, status, locality), which it tests inside this branch: a
            # service's 80,000 referrals filtered by urgency without reading the table (about 470 →
            # 70 ms of SQL at a million; docs/performance.md).
            models.Index(
                fields=["team", "ended_at", "id"],
                include=["allocated_to", "received_at", "urgency", "status", "locality"],
                name="referral_team_access_idx",
            ),
            # The lists that start from a set of visible ids (the API list, the team caseload) read
            # each id's order and filter columns from here, not from the table: 11,000 probes into
            # a 56 MB index instead of a 1.5 GB table (issue 17; docs/performance.md). The partner
            # team's branch of the API list tests its referrals' filter columns here too.
            models.Index(
                fields=["id"],
                include=["received_at", "ended_at", "allocated_to", "person", "urgency", "status", "locality", "team"],
                name="referral_id_cover_idx",
            ),
            # Data quality (reporting.data_quality): referrals from "Other" with no MHSDS source of
            # referral, by date, without reading every referral of the months (issue 17).
            models.Index(
                fields=["received_at"],
                include=["team"],
                condition=models.Q(source="other", source_of_referral=""),
                name="referral_no_source_idx",
            ),
            # Each worker's open caseload (a count per worker on the team and allocation pages).
            models.Index(
                fields=["allocated_to", "id"], condition=models.Q(ended_at__isnull=True), name="referral_held_open_idx"
            ),
            # The national measures (reporting.measures): the referrals open at an instant (ended_at
            # IS NULL, or ended after it), read from the index alone.
            models.Index(
                fields=["ended_at", "team"], include=["id", "received_at", "person"], name="referral_ended_idx"
            ),
            # The referrals received in a period, with their team: the crisis and liaison measures
            # read a month's for their teams (reporting.measures.teams.narrowed_to).
            models.Index(fields=["received_at"], include=["id", "team"], name="referral_received_idx"),
            # A person's referrals, for their referral spells (reporting.measures.referral_spell).
            models.Index(
                fields=["person", "received_at"],
                include=[
                    "id",
                    "ended_at",
                    "team",
                    "received_on",
                    "adult_when_received",
                    "person_has_other_referrals",
                    "community_since",
                    "community_left_at",
                    "own_spell_stop_at",
                ],
                name="referral_person_spell_idx",
            ),
            # The community referrals of people with more than one referral, by person: the spells of
            # a quarter look up only theirs (reporting.measures.referral_spell), in an index a tenth
            # the size of the one above.
            models.Index(
                fields=["person", "received_at"],
                include=[
                    "id",
                    "ended_at",
                    "team",
                    "received_on",
                    "adult_when_received",
                    "community_left_at",
                    "own_spell_stop_at",
                ],
                condition=models.Q(community_since__isnull=False, person_has_other_referrals=True),
                name="referral_others_idx",
            ),
            # The community measures' referrals open at an instant, with all they read of each
            # (reporting.measures.referral_spell, cmh_second_contact), from the index alone: by UK
            # received date, then end, so a period's are read day by day of receipt (received by
            # its end), each day from the period's start on (open then): just those, however old
            # the period (reporting.measures.teams.open_community_sql).
            models.Index(
                fields=["received_on", "ended_at"],
                include=[
                    "id",
                    "person",
                    "team",
                    "received_at",
                    "adult_when_received",
                    "person_has_other_referrals",
                    "community_since",
                    "community_left_at",
                    "own_spell_stop_at",
                    "second_counting_contact_at",
                ],
                condition=models.Q(community_since__isnull=False),
                name="referral_community_open_idx",
            ),
            # The referrals handed on since an instant (their latest hand-off, kept above), with
            # when each was received: the community measures of a period set aside those received
            # by its end whose teams have changed since (reporting.measures.teams), reading just
            # those, not every hand-off since against every referral received since.
            models.Index(
                fields=["last_handoff_at"],
                include=["id", "received_at"],
                condition=models.Q(last_handoff_at__isnull=False),
                name="referral_handed_on_idx",
            ),
            # The community referrals seen a second time in a month (their second counting contact,
            # kept above): the community second-contact measure finds the ended ones it counts here,
            # not among every counting contact of the month (reporting.measures.cmh_second_contact).
            models.Index(
                fields=["second_counting_contact_at"],
                include=[
                    "id",
                    "person",
                    "team",
                    "received_at",
                    "received_on",
                    "adult_when_received",
                    "ended_at",
                    "community_left_at",
                ],
                condition=models.Q(community_since__isnull=False, second_counting_contact_at__isnull=False),
                name="referral_second_contact_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def mhsds_source_of_referral(self) -> str:
        """SourceOfReferralMH: the code given, else the one our source maps to."""
        return self.source_of_referral or SOURCE_OF_REFERRAL_FOR_SOURCE[self.source]

    @property
    def clinical_response_priority(self) -> str:
        """ClinRespPriorityType of the urgency now (1 emergency, 4 very urgent, 2 urgent, 3 routine)."""
        return PRIORITY_FOR_URGENCY[self.urgency]


class UrgencyChange(models.Model):
    """The referral's urgency over time: the urgency it arrived with, then each change at
    triage, with when and who. The crisis measures read the urgency in force at the end of the
    month the referral was received (docs/measures.md)."""

    # No index of its own: urgency_change_idx leads with it (issue 17).
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="urgency_changes", db_index=False)
    urgency = models.CharField(max_length=16, choices=Referral.Urgency.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="urgency_change_idx")]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.urgency} from {self.at:%Y-%m-%d %H:%M}"


class HospitalStay(models.Model):
    """An inpatient stay linked to a referral (MHSDS MHS501). A referral with a stay leaves the
    community waiting-time measures (4w_waits_prep.py L166-L174)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="hospital_stays")
    admitted_at = models.DateTimeField()
    discharged_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["admitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discharged_at__isnull=True) | models.Q(discharged_at__gte=models.F("admitted_at")),
                name="hospital_stay_ends_after_admission",
            )
        ]

    def __str__(self) -> str:
        return f"Hospital stay from {self.admitted_at:%Y-%m-%d}"


class Handoff(models.Model):
    """A warm handover of a referral from one team or service to another."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="handoffs")
    from_team = models.ForeignKey("localities.Team", null=True, on_delete=models.PROTECT, related_name="+")
    to_team = models.ForeignKey("localities.Team", on_delete=models.PROTECT, related_name="+")
    note = models.TextField(help_text="What the receiving team needs to know; the person is told where they went.")
    person_informed = models.BooleanField(default=False)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    clocks_restarted = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(from_team=models.F("to_team")), name="handoff_changes_team")
        ]
        indexes = [models.Index(fields=["at"], name="handoff_at_idx")]  # flow dashboard: hand-offs in a period

    def __str__(self) -> str:
        return f"{self.referral} → {self.to_team}"
