# Staff absence and cover (issue 15, item 4)

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_enrolment_code_api_token"),
    ]

    operations = [
        migrations.CreateModel(
            name="Absence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("leave", "Annual leave"),
                            ("sickness", "Sickness"),
                            ("training", "Training or study"),
                            ("other", "Other absence"),
                        ],
                        max_length=16,
                    ),
                ),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                (
                    "capacity_during",
                    models.PositiveSmallIntegerField(
                        default=0, help_text="How many people the worker can hold while away (0: none new)."
                    ),
                ),
                ("cover_reason", models.TextField(blank=True)),
                ("cover_started_at", models.DateTimeField(blank=True, null=True)),
                ("recorded_at", models.DateTimeField()),
                (
                    "covering",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="covers",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="absences",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["starts_at", "id"],
                "indexes": [
                    models.Index(fields=["user", "ends_at"], name="absence_user_idx"),
                    models.Index(
                        condition=models.Q(("cover_started_at__isnull", True), ("covering__isnull", False)),
                        fields=["starts_at"],
                        name="absence_cover_pending_idx",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_at__gt", models.F("starts_at"))), name="absence_ends_later"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("covering__isnull", True),
                            models.Q(("covering", models.F("user")), _negated=True),
                            _connector="OR",
                        ),
                        name="absence_covered_by_someone_else",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("covering__isnull", True), models.Q(("cover_reason", ""), _negated=True), _connector="OR"
                        ),
                        name="absence_cover_has_reason",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("cover_started_at__isnull", True), ("covering__isnull", False), _connector="OR"
                        ),
                        name="absence_cover_started_only_with_cover",
                    ),
                ],
            },
        ),
    ]
