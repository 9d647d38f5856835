"""The command line: parse input, call a service, render its answer. No logic lives here."""
