"""What ``bulk_load`` makes: one frozen value, so a benchmark can store it and rebuild when it changes."""

from dataclasses import dataclass
from datetime import timedelta

from demo import catalogue as c


@dataclass(frozen=True)
class AccessGrants:
    """Explicit access (access.models) on top of the everyday relationships."""

    cover_per_clinician: int = 5  # people each clinician and team manager covers for now (unexpired)
    expired_break_glass: int = 50_000  # old openings the beat task has not deleted yet
    shares: int = 20_000  # people shared with a VCSE partner under their consent


@dataclass(frozen=True)
class BulkShape:
    """The service to generate. The defaults are the dashboards' two years of a whole service.

    ``referrals`` are received evenly over ``span`` up to now. One received within
    ``open_for`` of now is still open, whatever its path; an older one has ended (discharged,
    or closed), so about ``referrals * open_for / span`` are open.

    ``locality_teams`` locality teams receive them (or as many as it takes for each to hold
    about ``team_holds`` open referrals): fewer than the demo's six localities uses the first
    ones only; more adds teams to the localities in proportion to their weight.
    Each team's referrals are held by ``holders_per_team`` clinicians and link workers (the
    demo's own staff first), or by as many as it takes to hold about ``worker_holds`` open
    referrals each.

    ``history`` adds hand-offs (to the complex emotional needs service, the crisis team and
    other localities), re-referrals, restarted, paused and hand-stopped clocks and outcome
    measures; with it, ``service_models`` adds issue 14's services (``demo.bulk.service_models``:
    the pathway and its placements, the roll-out, intervention waits, groups); ``alerts`` the alerts a sweep that kept up would have raised; ``care_plans`` a
    care plan with goals for one allocated referral in five; ``grants`` explicit access.
    """

    referrals: int
    seed: int = 2026
    span: timedelta = timedelta(days=730)
    open_for: timedelta = timedelta(days=120)
    locality_teams: int = len(c.LOCALITIES)
    team_holds: int | None = None
    holders_per_team: int = 12
    worker_holds: int | None = None
    history: bool = True
    service_models: bool = True
    alerts: bool = True
    care_plans: bool = False
    grants: AccessGrants | None = None

    def __post_init__(self) -> None:
        if self.referrals < 0:
            raise ValueError("referrals must be zero or more")
        if self.span <= timedelta(0) or self.open_for < timedelta(0):
            raise ValueError("span must be positive and open_for not negative")
        if self.locality_teams < 1 or self.holders_per_team < 1:
            raise ValueError("locality_teams and holders_per_team must be at least 1")
        if (self.worker_holds is not None and self.worker_holds < 1) or (
            self.team_holds is not None and self.team_holds < 1
        ):
            raise ValueError("worker_holds and team_holds must be at least 1")

    @property
    def locality_team_count(self) -> int:
        if self.team_holds is None:
            return self.locality_teams
        open_referrals = self.referrals * (min(self.open_for, self.span) / self.span)
        return max(1, round(open_referrals / self.team_holds))
