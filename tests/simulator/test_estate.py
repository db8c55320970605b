"""The estate file: its schema, the demo content, deterministic ids."""

from __future__ import annotations

import json

import pytest

from drflow.simulator import DEFAULT_ESTATE, EstateError, SimulatorConfig, create_app, estate_uuid
from drflow.simulator.estate import EstateFile, load_estate_file


def test_demo_estate_content():
    spec = load_estate_file(DEFAULT_ESTATE)
    vms = {vm.name: (job.platform, vm) for job in spec.jobs for vm in job.vms}
    vmware = [name for name, (platform, _) in vms.items() if platform == "VMware"]
    hyperv = [name for name, (platform, _) in vms.items() if platform == "HyperV"]
    assert len(vmware) >= 10
    assert {"web01", "app01", "db01", "broken01", "zombie01"} <= set(vmware)
    assert len(hyperv) >= 2
    traps = {name: vm.trap.kind for name, (_, vm) in vms.items() if vm.trap}
    assert traps == {"broken01": "mount_fails", "zombie01": "never_healthy"}
    assert all(vm.trap.note and "TRAP" in vm.trap.note for _, vm in vms.values() if vm.trap)


def test_ids_are_stable_across_loads(make_api, clock):
    one, two = make_api(), make_api()
    ids_one = sorted(one.sim.estate.restore_points)
    assert ids_one == sorted(two.sim.estate.restore_points)
    assert estate_uuid("restorePoint", "web01", 4) in one.sim.estate.restore_points
    assert estate_uuid("restorePoint", "web01", "4") == estate_uuid("restorePoint", "web01", 4.0)


def test_allowed_operations_follow_the_platform(make_api):
    sim = make_api().sim
    vmware = sim.estate.restore_points[estate_uuid("restorePoint", "web01", 4)].model
    hyperv = sim.estate.restore_points[estate_uuid("restorePoint", "hv-web01", 8)].model
    assert "StartViVMInstantRecovery" in vmware.allowed_operations
    assert "StartHvVMInstantRecovery" not in vmware.allowed_operations
    assert "StartHvVMInstantRecovery" in hyperv.allowed_operations
    assert "StartViVMInstantRecovery" not in hyperv.allowed_operations


def _minimal() -> dict:
    return {
        "version": 1,
        "repositories": ["repo"],
        "durations": {"mount": 3},
        "jobs": [
            {
                "name": "job",
                "platform": "VMware",
                "repository": "repo",
                "restore_point_ages_hours": [1, 2],
                "vms": [{"name": "solo01", "host": "esx", "durations": {"mount": 7}}],
            }
        ],
    }


def test_a_custom_estate_file_is_served(tmp_path, make_api, clock):
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(_minimal()))
    api = make_api(SimulatorConfig(estate=path))
    assert api.get("/api/v1/restorePoints").json()["pagination"]["total"] == 2
    sid = api.start_ir("solo01", age=1)["id"]
    clock.advance(2 + 6.9)  # start default 2 s, mount overridden for this VM: 7 s
    assert api.mount(sid).json()["state"] == "Mounting"
    clock.advance(0.1)
    assert api.mount(sid).json()["state"] == "Mounted"


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d.pop("repositories"), "repositories"),
        (lambda d: d["jobs"][0].update(repository="elsewhere"), "unknown repository"),
        (lambda d: d["jobs"][0]["vms"][0].update(color="blue"), "color"),
        (lambda d: d["jobs"][0].update(restore_point_ages_hours=[1, 1]), "distinct"),
        (lambda d: d["jobs"][0]["vms"].append({"name": "SOLO01", "host": "x"}), "twice"),
        (lambda d: d["jobs"][0]["vms"][0].update(trap={"kind": "explode", "message": "m"}), "trap"),
    ],
)
def test_malformed_estate_is_explained(tmp_path, mutate, needle):
    data = _minimal()
    mutate(data)
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(data))
    with pytest.raises(EstateError, match=needle) as info:
        create_app(SimulatorConfig(estate=path))
    assert str(path) in str(info.value)


def test_unreadable_or_non_json_estate(tmp_path):
    with pytest.raises(EstateError, match="cannot read"):
        load_estate_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(EstateError, match="not valid JSON"):
        load_estate_file(bad)


def test_schema_is_exported_for_documentation():
    schema = EstateFile.model_json_schema()
    assert "jobs" in schema["properties"]
