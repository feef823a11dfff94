"""The information governance lead's pages: the audit log search, "who has looked at this
person's record?", its CSV download, and the review of break-glass openings.

Only IG leads reach them (everyone else gets a 404, as if the pages did not exist); superusers
are not special. The audit log itself is written by ``accounts.services``; nothing here changes
it, apart from adding rows that record the IG lead's own downloads and reviews.
"""
