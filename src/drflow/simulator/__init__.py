"""A faithful HTTP simulator of the Veeam Backup & Replication REST API 1.3-rev1.

Used by the demo and by integration tests; imports nothing from Prefect or from drflow's VBR
client, only the contract's models (:mod:`drflow.vbr.models`) and roles (:mod:`drflow.vbr.roles`).

- :func:`create_app` (:mod:`.app`): the ASGI app; the gate, errors and roles are described
  there and in :mod:`.roles`.
- :class:`SimulatorConfig` (:mod:`.config`); :class:`FakeClock` (:mod:`.clock`).
- :class:`SimulatorServer` / :func:`serve` (:mod:`.server`): real HTTP(S) on 127.0.0.1.
- :class:`Simulator` (:mod:`.state`): the state of one simulated server, guarded by one lock.
- The estate file and its deterministic ids: :mod:`.estate` (:func:`estate_uuid`).
- Sessions as lazily evaluated state machines, and what relates each to its object:
  :mod:`.sessions`.
- Workload kinds, one module or package each, in one registry: :mod:`.workload` (the plugin
  contract), :mod:`.workloads` (the kinds; the one mount state machine of vSphere, Hyper-V
  and FCD is :mod:`.workloads.mounts`); their operations are declared with
  :mod:`.routes.operations`.
- Everything else the API serves: :mod:`.routes` (login, sessions, catalog, admin).
- Faults and outages: :mod:`.faults`, :mod:`.outage`; the state file: :mod:`.persistence`.
- Admin API, no auth, outside ``/api`` (:mod:`.routes.admin`):

  ========================================  ==================================================
  ``GET /_sim/guests/{vmName}/health``      200 ``{"vm", "healthy": true, "reason"}`` or 503
                                            ``{"vm", "healthy": false, "reason"}``
  ``GET|PUT|DELETE /_sim/faults``           rules: PUT ``{"rules": [FaultRule, ...]}``
                                            (see :mod:`.faults`); GET adds ``fired`` counts
  ``GET|PUT /_sim/config``                  PUT ``{"token_ttl", "refresh_token_ttl",
                                            "speed", "password"}`` (any subset)
  ``POST /_sim/outage``                     go dark: ``{"seconds", "mode": "refuse"|"503",
                                            "retry_after"}`` (see :mod:`.outage`); 409 while
                                            one is on; ``GET`` says which is on
  ``POST /_sim/reset``                      fresh state, estate reloaded
  ``POST /_sim/tokens/revoke``              every token invalid (as after a server restart)
  ``GET /_sim/stats``                       ``requests`` per "METHOD /template",
                                            ``statuses``, ``faults_injected`` per kind,
                                            ``restore_sessions`` {running, peak},
                                            ``outages`` {count, simulated_seconds,
                                            real_seconds, current}, ``workloads`` per kind
                                            {starts, held {mounts, sessions}, duplicates
                                            {run mark: starts}},
                                            ``tokens`` {issued, refreshed, active}
  ``GET /_sim/mounts[?include_gone=true]``  every mount with reason, state, vmName, ...
  ========================================  ==================================================
"""

from .app import SimulatedConnectionDrop, create_app
from .clock import Clock, FakeClock, SystemClock
from .config import DEFAULT_ESTATE, SimulatorConfig
from .estate import EstateError, estate_uuid
from .faults import FaultRule
from .roles import OPERATION_ROLES, Role
from .server import SimulatorServer, serve
from .state import Simulator
from .tls import fingerprint_hex, format_fingerprint, generate_self_signed, normalize_fingerprint

__all__ = [
    "DEFAULT_ESTATE",
    "OPERATION_ROLES",
    "Clock",
    "EstateError",
    "FakeClock",
    "FaultRule",
    "Role",
    "SimulatedConnectionDrop",
    "Simulator",
    "SimulatorConfig",
    "SimulatorServer",
    "SystemClock",
    "create_app",
    "estate_uuid",
    "fingerprint_hex",
    "format_fingerprint",
    "generate_self_signed",
    "normalize_fingerprint",
    "serve",
]
