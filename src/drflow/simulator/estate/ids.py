"""Deterministic ids of estate objects (see :mod:`drflow.simulator.estate`)."""

from __future__ import annotations

import uuid

SIM_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:drflow:vbr-simulator")
ZERO_UUID = uuid.UUID(int=0)
GiB = 1024**3


def estate_uuid(kind: str, *parts: str | float) -> uuid.UUID:
    """The id of an estate object: uuid5 of ``"kind:part:..."`` in a fixed namespace, numbers
    formatted with :func:`format_age`."""
    text = ":".join([kind, *(format_age(p) if isinstance(p, float | int) else p for p in parts)])
    return uuid.uuid5(SIM_NAMESPACE, text)


def format_age(age: float) -> str:
    """An age in hours as ids and estate keys spell it (``4``, ``0.5``)."""
    return f"{age:g}"
