"""Online self-referral for the public: question pages, check your answers, a confirmation
shown once (issue 15; docs/adr/0012-public-self-referral.md)."""
