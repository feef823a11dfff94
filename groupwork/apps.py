from django.apps import AppConfig


class GroupworkConfig(AppConfig):
    name = "groupwork"
    verbose_name = "Group work"
