"""Code systems: ICD-10-CM, HCPCS Level II, CPT, modifiers, place of service, CARC/RARC.

Every system module speaks the same verbs (``compact``, ``validate``, ``is_valid``, ``format``,
``get``, ``lookup``, ``search``); :mod:`medbill.refdata.registry` dispatches across them.
"""
