"""What the group pages share."""

from django.urls import reverse

from groupwork.models import Group


def group_breadcrumbs(*, group: Group | None = None, below_list: bool = True) -> list[tuple[str, str]]:
    """Home; then Groups for a page below the list; then the group for a page below the group."""
    crumbs = [("Home", reverse("referrals:home"))]
    if below_list:
        crumbs.append(("Groups", reverse("groupwork:list")))
    if group is not None:
        crumbs.append((group.name, reverse("groupwork:detail", args=[group.pk])))
    return crumbs
