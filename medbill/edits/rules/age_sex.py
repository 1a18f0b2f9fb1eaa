"""Rules: age_sex."""
