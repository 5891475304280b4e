"""The workflows of sabaq, called alike by the CLI, the HTTP API and the workers.

Each function takes a `Workspace` (the data directory and its catalogue) or an
open catalogue and plain data, does one whole job (publish a schedule, queue or
run transcodes, render slates, build the demo, import or export the
catalogue) and returns plain data; progress is reported through callbacks, so
the callers only parse, call and print.
"""

from catalog import Catalog
from errors import BadInput, Infeasible, SabaqError
from service.workspace import Workspace

__all__ = ["BadInput", "Catalog", "Infeasible", "SabaqError", "Workspace"]
"""The errors a caller maps (each carries its exit code and HTTP status), the
workspace every workflow takes first, and the open catalogue it holds."""
