"""One person's attendance at one group session, and the care contact it became."""

from django.conf import settings
from django.db import models

# What a register records (MHS201 AttendStatus): attended, did not attend, cancelled by the
# person, cancelled by the service. No late codes: a group register does not ask.
REGISTER_ATTENDANCE = (
    ("5", "Attended"),
    ("3", "Did not attend"),
    ("2", "Cancelled by the person"),
    ("4", "Cancelled by the service"),
)


class Attendance(models.Model):
    session = models.ForeignKey("groupwork.GroupSession", on_delete=models.PROTECT, related_name="attendances")
    enrolment = models.ForeignKey("groupwork.Enrolment", on_delete=models.PROTECT, related_name="attendances")
    attendance = models.CharField(max_length=1, choices=REGISTER_ATTENDANCE)
    # The person's care contact (MHS201), coded as the group met; none for a carers' group.
    contact = models.OneToOneField(
        "referrals.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="group_attendance"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            # Recording a register twice must never make twin contacts.
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once_per_session"),
            models.CheckConstraint(
                condition=models.Q(attendance__in=[code for code, _ in REGISTER_ATTENDANCE]),
                name="attendance_is_register_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_attendance_display()} at session {self.session_id}"
