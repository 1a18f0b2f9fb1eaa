"""Rules: validity."""
