"""The ``drflow`` command line: one module per group of commands, assembled in :mod:`.app`."""

from .app import app, main
from .common import USAGE_ERROR, fail

__all__ = ["USAGE_ERROR", "app", "fail", "main"]
