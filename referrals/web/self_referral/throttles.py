"""Abuse limits on the public form, counted in Redis, atomically, as the API's are
(``accounts.throttles.MovingWindowThrottle``): only finished referrals count, not page views.

* per address: a household or a shared phone may refer more than one person, a script may not;
* overall: a flood from many addresses cannot bury the triage queue (the page then says to
  phone instead).
"""

from accounts.request_ip import client_ip
from accounts.throttles import MovingWindowThrottle


class SelfReferralPerAddressThrottle(MovingWindowThrottle):
    scope = "self_referral_address"
    rate = "5/hour"

    def get_cache_key(self, request, view):
        # The address the audit log believes (TRUSTED_PROXY_COUNT), not a header the client wrote.
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class SelfReferralOverallThrottle(MovingWindowThrottle):
    scope = "self_referral_overall"
    rate = "200/hour"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": "all"}
