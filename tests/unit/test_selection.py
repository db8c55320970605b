"""Choosing the restore point: a newest point the caller has read (a drill's preflight) is taken
only where it is the one VBR would give; everywhere else VBR is asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.unit.support import TOKEN

from drflow.vbr import (
    NoRestorePoint,
    VBRClient,
    VBRSettings,
    newest_restore_points,
    select_restore_point,
)
from drflow.vbr.models import ObjectRestorePointModel
from drflow.vbr.models.backups import PlatformType, RestorePointOperation

POINTS = "/api/v1/restorePoints"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def point(number: int, hours_old: float, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"6a1b2c3d-0000-4000-8000-00000000000{number}",
        "name": "web01",
        "platformName": "VMware",
        "platformId": "00000000-0000-0000-0000-000000000000",
        "creationTime": (NOW - timedelta(hours=hours_old)).isoformat(),
        "backupId": "6a1b2c3d-0000-4000-8000-0000000000b1",
        "allowedOperations": ["StartViVMInstantRecovery"],
        **fields,
    }


class VBR:
    """Answers the token and the restore points of web01; counts the lists."""

    def __init__(self, *points: dict[str, Any]) -> None:
        self.points = list(points)
        self.lists = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        assert request.url.path == POINTS, request.url
        self.lists += 1
        n = len(self.points)
        pagination = {"total": n, "count": n, "skip": 0, "limit": 200}
        return httpx.Response(200, json={"data": self.points, "pagination": pagination})

    def client(self) -> VBRClient:
        settings = VBRSettings(url="http://vbr.test", username="u", password="p")
        return VBRClient(settings, transport=httpx.MockTransport(self.handler))


def newest(**fields: Any) -> ObjectRestorePointModel:
    return ObjectRestorePointModel.model_validate(point(1, 1, **fields))


VSPHERE: dict[str, Any] = {
    "platform": PlatformType.VMWARE,
    "operation": RestorePointOperation.START_VI_VM_INSTANT_RECOVERY,
}


def test_a_qualifying_newest_point_is_taken_without_asking_vbr() -> None:
    vbr = VBR(point(2, 3))
    chosen = select_restore_point(vbr.client(), "web01", newest=newest(), now=NOW, **VSPHERE)
    assert (chosen.id, vbr.lists) == (newest().id, 0)


@pytest.mark.parametrize(
    ("why", "given", "policy"),
    [
        ("another platform", {"platformName": "HyperV"}, {}),
        ("the operation is not allowed", {"allowedOperations": ["StartFlrRestore"]}, {}),
        ("another object", {"name": "web02"}, {}),
        ("a point before a time is wanted", {}, {"before": NOW - timedelta(minutes=30)}),
        ("a backup is named", {}, {"backup_id": "6a1b2c3d-0000-4000-8000-0000000000b2"}),
    ],
)
def test_vbr_is_asked_when_the_newest_point_is_not_the_one_wanted(
    why: str, given: dict[str, Any], policy: dict[str, Any]
) -> None:
    backup = policy.get("backup_id", point(2, 3)["backupId"])
    vbr = VBR(point(2, 3, backupId=backup))
    chosen = select_restore_point(
        vbr.client(), "web01", newest=newest(**given), now=NOW, **VSPHERE, **policy
    )
    assert (str(chosen.id), vbr.lists) == (point(2, 3)["id"], 1), why


def test_a_newest_point_grown_older_than_the_rpo_is_asked_for_again() -> None:
    """A drill's workload may start hours after its preflight read the point: VBR may have
    made a newer one since, and the RPO is judged on what VBR holds now."""
    rpo = {"max_age": timedelta(minutes=30), "now": NOW}
    made_since = VBR(point(2, 0.1))
    chosen = select_restore_point(made_since.client(), "web01", newest=newest(), **VSPHERE, **rpo)
    assert (str(chosen.id), made_since.lists) == (point(2, 0.1)["id"], 1)

    none_since = VBR(point(1, 1))
    with pytest.raises(NoRestorePoint, match=r"older than the RPO of 0\.5h"):
        select_restore_point(none_since.client(), "web01", newest=newest(), **VSPHERE, **rpo)
    assert none_since.lists == 1


class Estate(VBR):
    """Restore points of several objects, answered a page at a time as VBR pages them."""

    def __init__(self, points: list[dict[str, Any]], page: int) -> None:
        super().__init__(*points)
        self.page = page

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        self.lists += 1
        skip = int(request.url.params.get("skip", 0))
        data = self.points[skip : skip + min(self.page, int(request.url.params["limit"]))]
        pagination = {"total": len(self.points), "count": len(data), "skip": skip, "limit": 200}
        return httpx.Response(200, json={"data": data, "pagination": pagination})


def named(name: str, number: int, hours_old: float) -> dict[str, Any]:
    return point(number, hours_old, name=name, id=f"6a1b2c3d-0000-4000-8000-{number:012}")


def test_the_newest_points_of_many_objects_come_from_one_walk() -> None:
    points = [named(f"vm{i % 30:02}", i, hours_old=i % 7) for i in range(90)]  # 3 each
    vbr = Estate(points, page=50)  # VBR caps pages below the limit asked for
    wanted = {f"vm{i:02}" for i in range(20)}
    found = newest_restore_points(vbr.client(), wanted, since=NOW - timedelta(hours=26))
    assert found is not None
    assert vbr.lists == 2  # two pages, not one list per object
    assert set(found) == wanted  # vm20..vm29 are not asked for
    for name, chosen in found.items():
        own = [p for p in points if p["name"] == name]
        assert (
            chosen.id
            == ObjectRestorePointModel.model_validate(
                min(own, key=lambda p: NOW - datetime.fromisoformat(p["creationTime"]))
            ).id
        )


def test_a_walk_longer_than_one_list_per_object_is_not_taken() -> None:
    vbr = Estate([named(f"vm{i:03}", i, 1) for i in range(450)], page=200)
    assert newest_restore_points(vbr.client(), {"vm001", "vm002", "vm003"}, since=NOW) is None
    assert vbr.lists == 1  # its first page says how long it is
