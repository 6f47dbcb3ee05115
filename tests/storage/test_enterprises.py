"""The enterprises repository on a real, migrated SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.engine import Database
from storage.enterprises import EnterpriseFields, EnterpriseRepo, EnterpriseStatus
from storage.users import UserRepo
from tests.database import open_test_db


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_test_db(tmp_path / "ketnoi.db")
    yield database
    await database.close()


async def account(db: Database, name: str) -> int:
    user = await UserRepo(db).ensure(UserRef(channel="console", external_id=name))
    return user.account_id


def fields(**values: object) -> EnterpriseFields:
    base: dict[str, object] = {
        "name": "Cơ sở gốm Minh Hải",
        "kind": "household",
        "roles": ["producer"],
        "sectors": ["ceramics"],
        "ward_code": "00001",
        "contact_name": "Nguyễn Thị Lan",
        "phone": "+84912345678",
        "practices": ["none_yet"],
    }
    return EnterpriseFields.model_validate(base | values)


async def test_create_gives_a_reference_and_reads_back(db: Database) -> None:
    repo = EnterpriseRepo(db)
    owner = await account(db, "a")
    e = await repo.create(owner, fields(tax_code="0100109106"), utcnow())
    assert e.reference == f"HN-{utcnow().year}-000001"
    assert e.status is EnterpriseStatus.PENDING
    assert await repo.for_account(owner) == e
    assert await repo.by_reference(e.reference.lower()) == e
    assert await repo.for_account(await account(db, "b")) is None


async def test_taken_numbers_ignore_the_owner_and_rejected_registrations(db: Database) -> None:
    repo = EnterpriseRepo(db)
    a, b = await account(db, "a"), await account(db, "b")
    e = await repo.create(a, fields(tax_code="0100109106"), utcnow())
    assert await repo.phone_taken("+84912345678", except_account=b)
    assert not await repo.phone_taken("+84912345678", except_account=a)
    assert await repo.tax_code_taken("0100109106", except_account=b)
    assert not await repo.tax_code_taken("0100109106-001", except_account=b)
    await repo.set_status(e.id, EnterpriseStatus.REJECTED, reason="sai")
    assert not await repo.phone_taken("+84912345678", except_account=b)


async def test_a_review_happens_once_and_an_update_can_resubmit(db: Database) -> None:
    repo = EnterpriseRepo(db)
    e = await repo.create(await account(db, "a"), fields(), utcnow())
    approved = await repo.set_status(e.id, EnterpriseStatus.APPROVED, by=None)
    assert approved is not None and approved.reviewed_at is not None
    assert await repo.set_status(e.id, EnterpriseStatus.REJECTED, reason="x") is None
    changed = await repo.update(e.id, fields(name="Xưởng gốm Minh Hải"), resubmit=True)
    assert changed is not None
    assert (changed.name, changed.status, changed.reviewed_at) == (
        "Xưởng gốm Minh Hải",
        EnterpriseStatus.PENDING,
        None,
    )


async def test_find_filters_by_status_sector_role_and_ward(db: Database) -> None:
    repo = EnterpriseRepo(db)
    one = await repo.create(await account(db, "a"), fields(), utcnow())
    two = await repo.create(
        await account(db, "b"),
        fields(
            phone="+84912000000",
            sectors=["lacquer", "wood"],
            roles=["supplier", "distributor"],
            ward_code="00004",
        ),
        utcnow(),
    )
    await repo.set_status(two.id, EnterpriseStatus.APPROVED)
    assert [e.id for e in await repo.find()] == [one.id, two.id]
    assert [e.id for e in await repo.find(sectors=["wood"])] == [two.id]
    assert [e.id for e in await repo.find(roles=["producer", "supplier"])] == [one.id, two.id]
    assert [e.id for e in await repo.find(ward_codes=["00001"])] == [one.id]
    assert [e.id for e in await repo.find(statuses=[EnterpriseStatus.PENDING])] == [one.id]
    assert await repo.find(statuses=[EnterpriseStatus.APPROVED], sectors=["ceramics"]) == []
    assert await repo.count_by_status() == {
        EnterpriseStatus.PENDING: 1,
        EnterpriseStatus.APPROVED: 1,
    }
