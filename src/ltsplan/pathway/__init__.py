"""The membership pathway: bodies, decisions before them, positions, consensus and conditions."""
