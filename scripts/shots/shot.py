"""What a screenshot is: a page, who looks at it, and how it is prepared."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from accounts.models import Role, User

BASE_DIR = Path(__file__).resolve().parent.parent.parent
OUT_DIR = BASE_DIR / "docs" / "screenshots"


@dataclass(frozen=True)
class Shot:
    name: str  # file name stem: docs/screenshots/<name>-desktop.png
    path: str | Callable[[User], str]
    role: str | None = Role.CLINICIAN  # log in as a demo user with this role; None: logged out
    prepare: Callable[[Page], None] | None = None
    full_page: bool = True
    team: str = ""  # prefer a user of the role in a team whose name contains this
