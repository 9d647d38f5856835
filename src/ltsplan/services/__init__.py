"""Use cases: each takes a Database and plain arguments and returns data the faces render."""
