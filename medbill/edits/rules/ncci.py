"""Rules: ncci."""
