"""Scoring: sacreBLEU's BLEU, chrF, chrF++ and TER at document, paragraph and bead level (``metrics``),
standard test sets (``testsets``), system comparison with paired significance tests (``compare``) and
COMET from a local checkpoint (``comet``)."""
