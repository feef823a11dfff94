"""After a redirect: where the person went, for the clinician who sent them and their team
(issue 15, item 5), read-only, in place of a bare 404 once the record is out of their reach."""
