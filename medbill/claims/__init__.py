"""Professional claims as data: models, the claims tables, X12 837P/835, posting, CMS-1500, FHIR.

Submodules load on use: ``medbill.claims.models``, ``medbill.claims.tables``, ``medbill.claims.x12``,
``medbill.claims.posting``, ``medbill.claims.cms1500``, ``medbill.claims.fhir``.
"""
