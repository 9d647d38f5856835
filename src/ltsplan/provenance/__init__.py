"""Provenance: sources, their Admiralty grading, and evidence linking records to them."""
