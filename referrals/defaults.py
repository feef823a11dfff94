"""The default clock policy, seeded by migration 0002 and editable in the admin.

National ClinRespPriorityType response targets, with the local promise of a
response within a day for everyone; a 28-day treatment clock stopped at the
second completed contact. Kept free of model imports so the migration can use it
with historical models.
"""

from datetime import timedelta

DEFAULT_POLICY_NAME = "Default (national measures)"

# urgency: (first-response target, escalate to the team manager after the breach, then to the service manager)
DEFAULT_RESPONSE_TARGETS = {
    "emergency": (timedelta(hours=1), timedelta(minutes=30), timedelta(hours=1)),
    "very_urgent": (timedelta(hours=4), timedelta(hours=1), timedelta(hours=2)),
    "urgent": (timedelta(hours=24), timedelta(hours=4), timedelta(hours=8)),
    "routine": (timedelta(hours=24), timedelta(hours=4), timedelta(hours=24)),
}


def ensure_default_policy(clock_policy_model, response_target_model):
    """Create the default policy and its targets if missing; never overwrite edits."""
    policy, _ = clock_policy_model.objects.get_or_create(is_default=True, defaults={"name": DEFAULT_POLICY_NAME})
    for urgency, (target, first, second) in DEFAULT_RESPONSE_TARGETS.items():
        response_target_model.objects.get_or_create(
            policy=policy,
            urgency=urgency,
            defaults={"target": target, "escalation_after": first, "second_escalation_after": second},
        )
    return policy
