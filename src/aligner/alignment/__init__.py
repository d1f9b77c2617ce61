"""Alignment: which source sentences go with which reference sentences, as ``Bead``s.

``beads`` holds the data types, the bead priors and the shared search; ``galechurch`` the length
model (and its cost, used by every aligner); ``bitext`` the default aligner (lexical table + length +
MT); ``similarity`` MT ↔ English n-gram overlap; ``lexicon`` the IBM-1 table; ``gold`` gold sets and
vecalign's strict/lax scoring.
"""
