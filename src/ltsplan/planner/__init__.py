"""The planner: the allocation of support packages that closes the readiness gaps fastest."""
