"""Rules: conventions."""
