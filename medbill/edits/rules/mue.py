"""Rules: mue."""
