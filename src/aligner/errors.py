"""The error hierarchy. Library code raises these; only the CLI turns them into exit codes."""

from __future__ import annotations


class AlignerError(Exception):
    """Base class: a problem the user can fix. The message is one line that says what to do next."""


class InputError(AlignerError):
    """A source, reference or translations file is missing, empty, undecodable or malformed."""


class ModelError(AlignerError):
    """A translation model cannot be found, downloaded or loaded."""


class AlignmentError(AlignerError):
    """Two texts cannot be aligned with the requested settings."""
