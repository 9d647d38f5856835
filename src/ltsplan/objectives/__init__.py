"""Stated objectives of the parties, their assessments over time, and attributed statements."""
