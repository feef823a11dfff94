"""Caseload pages: My caseload (link worker), Team caseload and waiting list, and allocation."""

from .allocate import allocate
from .export import my_caseload_csv, team_caseload_csv
from .mine import my_caseload
from .reassign import reassign
from .team import team_caseload

__all__ = ["allocate", "my_caseload", "my_caseload_csv", "reassign", "team_caseload", "team_caseload_csv"]
