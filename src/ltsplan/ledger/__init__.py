"""The support ledger: who pledged what, for which years, and what arrived."""
