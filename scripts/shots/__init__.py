"""The pieces of scripts/screenshots.py: what a shot is (shot.py), the pages (pages.py), the data
and logins they need (data.py), and the server and browser that take them (browser.py).

Imported only once scripts/screenshots.py has set Django up."""
