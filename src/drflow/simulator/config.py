"""Settings of one simulator instance."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .faults import FaultRule
from .roles import Role

DEFAULT_ESTATE = Path(str(files("drflow.simulator") / "data" / "estate.json"))
"""The packaged demo estate (``drflow/simulator/data/estate.json``)."""

DEFAULT_USERS: dict[str, Role] = {
    "administrator": Role.BACKUP_ADMINISTRATOR,
    "restore-operator": Role.RESTORE_OPERATOR,
    "viewer": Role.BACKUP_VIEWER,
}


class SimulatorConfig(BaseModel):
    """How the simulator behaves. ``token_ttl``, ``refresh_token_ttl``, ``speed`` and
    ``password`` can also be changed at run time (``PUT /_sim/config``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    password: str = Field(default="simulator", min_length=1)
    """Password of every user (a documented demo password, not a secret)."""
    users: dict[str, Role] = Field(default_factory=lambda: dict(DEFAULT_USERS))
    """User name -> built-in role."""
    token_ttl: int = Field(default=900, gt=0)
    """Access-token lifetime in seconds (``expires_in``): real seconds, not divided by
    ``speed``."""
    refresh_token_ttl: int = Field(default=14 * 24 * 3600, gt=0)
    """Refresh-token lifetime in seconds (short-term refresh: ``token_ttl`` + 15 min)."""
    speed: float = Field(default=1.0, gt=0)
    """Divides every simulated duration: 10 makes operations ten times faster. Applies to
    operations started after a change."""
    estate: Path = DEFAULT_ESTATE
    """The estate file: backups, VMs, restore points, traps, durations."""
    estate_vms: int | None = Field(default=None, ge=1)
    """Serve a generated estate of this many vSphere VMs instead of ``estate`` (benchmarks and
    scale tests; see :func:`drflow.simulator.estate.generated_estate_file`)."""
    seed: int = 0
    """Seeds the RNG behind generated ids and fault decisions."""
    api_versions: list[str] = Field(default_factory=lambda: ["1.3-rev0", "1.3-rev1"], min_length=1)
    """Accepted ``x-api-version`` values. VBR 13 speaks 1.3-rev1 and still accepts the previous
    revision of the same version, 1.3-rev0."""
    faults: list[FaultRule] = Field(default_factory=list)
    """Fault rules active from the start (see :mod:`drflow.simulator.faults`)."""
    state_file: Path | None = None
    """Where the simulator keeps its state across restarts (see
    :mod:`drflow.simulator.persistence`); reloaded at start when it exists. None: memory only."""
