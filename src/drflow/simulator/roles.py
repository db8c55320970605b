"""The VBR roles the simulator enforces: the table of :mod:`drflow.vbr.roles`, the contract's
"Available to" line of each operation. The simulator's FastAPI routes carry the same
``operation_id``; adding an operation = adding its route with ``operation_id=...`` and one line
in that table.
"""

from __future__ import annotations

from drflow.vbr.roles import ALL_ROLES, OPERATION_ROLES, Role, describe, roles_for

__all__ = ["ALL_ROLES", "OPERATION_ROLES", "Role", "describe", "roles_for"]
