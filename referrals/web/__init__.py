"""The clinical pages, one package per journey (``intake``, ``triage``, ``person``, ``contacts``,
``assessment``, ``care``, ``alerts``, ``access``, ``home``), each with its views, forms, page
queries and URLs side by side. A journey imports only its own modules, ``shared`` (what several
journeys need) and ``common``; never another journey."""
