"""Small helpers with exactly one home, shared by every app: London time, CSV responses,
form and page helpers. Nothing here knows about people or referrals, and nothing here imports
another app of ours."""
