"""Sessions that survive a Redis restart without a database write on every page view.

Django's ``cached_db`` keeps each session in the cache and the database. With sliding
sessions (``SESSION_SAVE_EVERY_REQUEST``) that is an UPDATE per request. Here a request that
changed nothing in the session renews it in the cache only, and rewrites the database copy
at most once per ``DB_REFRESH_SECONDS``; a change (login, logout, anything stored) is written
through at once. After a Redis restart the database copy is read back, so nobody is logged
out; at worst the idle timeout counts from up to a minute earlier.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches

DB_REFRESH_SECONDS = 60
_DB_SAVED = "_db_saved_at"  # when the database copy was last written (Unix seconds)


class SessionStore(cached_db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        session: dict[str, Any] = self._get_session()  # type: ignore[attr-defined]  # Django's, not in the stubs
        if must_create or self.modified or session.get(_DB_SAVED, 0) < time.time() - DB_REFRESH_SECONDS:
            session[_DB_SAVED] = int(time.time())
            super().save(must_create=must_create)
            return
        # Only the expiry slides: renew the cached copy.
        caches[settings.SESSION_CACHE_ALIAS].set(self.cache_key, session, self.get_expiry_age())
