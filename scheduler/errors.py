"""Errors of the scheduler: members of sabaq's one error tree (errors)."""

from errors import BadInput, Infeasible


class ProblemError(BadInput):
    """A malformed problem or schedule document; names the field at fault (exit code 2)."""


__all__ = ["Infeasible", "ProblemError"]
