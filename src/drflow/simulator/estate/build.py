"""Building the served estate: from an estate file, or generated for scale tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from drflow.vbr.models import ServerInfoModel
from drflow.vbr.models.server import VeeamRegistrationInfo

from .builder import EstateBuilder
from .ids import estate_uuid
from .model import Estate
from .sections import add_sections
from .spec import EstateFile, EstateJobSpec, EstateVMSpec, load_estate_file
from .vms import add_vm_job

GENERATED_JOB_SIZE = 100
"""VMs per backup job of a generated estate."""


def build_estate(spec: EstateFile, now: datetime) -> Estate:
    """Turn a validated estate file into the objects the API serves, relative to ``now``."""
    server = ServerInfoModel(
        vbr_id=str(estate_uuid("server", spec.server.name)),
        name=spec.server.name,
        build_version=spec.server.build_version,
        patches=spec.server.patches,
        database_vendor=spec.server.database_vendor,
        sql_server_edition=spec.server.sql_server_edition,
        sql_server_version=spec.server.sql_server_version,
        database_schema_version=spec.server.database_schema_version,
        database_content_version=spec.server.database_content_version,
        veeam_registration=VeeamRegistrationInfo(
            is_registered=True,
            expiration_date=now + timedelta(days=spec.server.license_valid_days),
        ),
        platform=spec.server.platform,
    )
    estate = Estate(spec, now, server, {}, {}, {}, {}, [])
    builder = EstateBuilder(estate, now)
    for job_spec in spec.jobs:
        add_vm_job(builder, job_spec)
    estate.extra = add_sections(builder, spec)
    return estate


def load_estate(path: Path, now: datetime) -> Estate:
    """:func:`build_estate` of the estate file at ``path``."""
    return build_estate(load_estate_file(path), now)


def generated_vm_name(index: int) -> str:
    """The name of VM ``index`` (from 1) of a generated estate: ``vm00001``."""
    return f"vm{index:05d}"


def generated_estate_file(vms: int) -> EstateFile:
    """An estate of ``vms`` vSphere VMs (:func:`generated_vm_name`), with the default durations.

    Jobs ``Generated NNN`` of :data:`GENERATED_JOB_SIZE` VMs each; every VM has restore points
    2 and 26 hours old and is spread over four ESXi hosts. No traps, no malware.
    """
    jobs = []
    for first in range(1, vms + 1, GENERATED_JOB_SIZE):
        last = min(first + GENERATED_JOB_SIZE - 1, vms)
        jobs.append(
            EstateJobSpec(
                name=f"Generated {first // GENERATED_JOB_SIZE + 1:03d}",
                platform="VMware",
                repository="Default Backup Repository",
                restore_point_ages_hours=[2, 26],
                vms=[
                    EstateVMSpec(name=generated_vm_name(i), host=f"esx{i % 4 + 1:02d}.lab.local")
                    for i in range(first, last + 1)
                ],
            )
        )
    return EstateFile(version=1, repositories=["Default Backup Repository"], jobs=jobs)
