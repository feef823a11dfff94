from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access to records: grants, consent-based shares, break-glass and IG review"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (keeps each user in their organisation's staff group)
