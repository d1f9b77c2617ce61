"""Quality checks on the MT (and on a translator's post-edit): the QA flags of every bead.

A stage of the pipeline of its own: it runs inside ``run_story``, before any review exists, and again on a
post-edit when a translator saves it. Pure functions over in-memory texts: no files, no models, no printing.
"""

from __future__ import annotations

from .checks import flag_beads, flag_terms, flag_text

__all__ = ["flag_beads", "flag_terms", "flag_text"]
