"""Provider and organisation identifiers: NPI (Luhn over the 80840 prefix), NUCC taxonomy, TIN formats.

Each identifier module speaks the shared verbs (``compact``, ``validate``, ``is_valid``, ``format``).
"""
