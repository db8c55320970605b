"""Which VBR a run talked to: the evidence names its target."""

from __future__ import annotations

import threading

from drflow.tasks import VBRConnection, get_client
from drflow.vbr import Forbidden

from .report import VBRServer

_known: dict[tuple[str, str | None], VBRServer] = {}
_lock = threading.Lock()


def vbr_server(connection: VBRConnection) -> VBRServer:
    """The VBR server ``connection`` reaches, as ``serverInfo`` describes it (read once per
    server and user in a process), and whether it is the drflow simulator."""
    client = get_client(connection)
    url = client.settings.url
    key = (url, client.settings.username)
    with _lock:
        known = _known.get(key)
    if known is not None:
        return known
    try:
        info = client.server.info()
    except Forbidden:
        server = VBRServer(
            url=url,
            simulator=client.answered_by_simulator,
            not_identified=f"{client.settings.username} may not read serverInfo (it needs the "
            "Veeam Backup Administrator role)",
        )
    else:
        server = VBRServer(
            url=url,
            vbr_id=info.vbr_id,
            name=info.name,
            build_version=info.build_version,
            platform=str(info.platform),
            simulator=client.answered_by_simulator,
        )
    with _lock:
        _known[key] = server
    return server
