"""Errors of the scheduler, each meant for the user as one line."""


class ProblemError(ValueError):
    """A malformed problem or schedule document; names the field at fault (exit code 2)."""


class InfeasibleError(Exception):
    """No schedule can honour every rule; the message names the rules and parties in conflict."""
