"""The Department's review (approve, reject with a reason) told to the applicant in their own
language; /ho_so edits; and phone numbers or tax codes another account registered."""

from __future__ import annotations

from bot.app import App
from bot.core.types import Incoming, Kind, Reply, UserRef
from storage.enterprises import Enterprise, EnterpriseStatus
from tests.chat import Chat
from tests.handlers.registration_walk import outbox_for, register, stored, to_summary


class Recorder:
    """A console sender that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[UserRef, list[Reply]]] = []

    async def __call__(self, user: UserRef, replies: list[Reply]) -> None:
        self.sent.append((user, replies))

    def to(self, chat: Chat) -> str:
        return "\n".join(r.text for user, rs in self.sent if user == chat.user for r in rs)


async def english(chat: Chat) -> Chat:
    await chat.say("/language")
    await chat.press("lang:en")
    return chat


async def press(chat: Chat, payload: str) -> None:
    """Press a button of a message that came through the outbox."""
    await chat.send(Incoming(user=chat.user, kind=Kind.BUTTON, payload=payload))


async def registered(app: App, chat: Chat, **answers: str | None) -> Enterprise:
    await register(chat, **answers)
    e = await stored(app, chat)
    assert e is not None
    return e


async def test_approval_is_told_to_the_applicant_in_vietnamese(app: App) -> None:
    recorder = Recorder()
    app.outlets.senders["console"] = recorder
    applicant = Chat(app.router)
    admin = await english(Chat(app.router, external_id="admin"))
    e = await registered(app, applicant)
    [notice] = await outbox_for(app, admin)
    assert "New registration" in notice.replies[0].text  # in the admin's language
    await press(admin, notice.replies[0].options[0].payload)
    assert f"Approved {e.reference}" in admin.text
    await app.outbox.drain_once()
    told = recorder.to(applicant)
    assert e.reference in told
    assert "đã được Sở Công Thương Hà Nội duyệt" in told
    after = await stored(app, applicant)
    assert after is not None and after.status is EnterpriseStatus.APPROVED
    admin_user = await app.router.services.users.find(admin.user)
    assert admin_user is not None and after.reviewed_by == admin_user.id
    await applicant.say("/ho_so")
    assert "đã duyệt" in applicant.text


async def test_rejection_asks_the_reason_and_tells_it_in_english(app: App) -> None:
    recorder = Recorder()
    app.outlets.senders["console"] = recorder
    applicant = await english(Chat(app.router))
    admin = Chat(app.router, external_id="admin")
    e = await registered(app, applicant)
    await press(admin, f"regadm:no:{e.id}")
    assert e.reference in admin.text
    await admin.say("Thiếu ảnh sản phẩm và địa chỉ xưởng")
    assert f"{e.reference}" in admin.text
    await app.outbox.drain_once()
    told = recorder.to(applicant)
    assert "was not approved" in told
    assert "Reason: Thiếu ảnh sản phẩm và địa chỉ xưởng" in told
    assert "/profile" in told
    after = await stored(app, applicant)
    assert after is not None and after.status is EnterpriseStatus.REJECTED
    assert after.reject_reason == "Thiếu ảnh sản phẩm và địa chỉ xưởng"


async def test_a_rejection_can_be_cancelled(app: App) -> None:
    applicant = Chat(app.router)
    admin = await english(Chat(app.router, external_id="admin"))
    e = await registered(app, applicant)
    await press(admin, f"regadm:no:{e.id}")
    await admin.press("Cancel")
    assert "still waiting for review" in admin.text
    await admin.say("some text")  # not taken as a reason any more
    after = await stored(app, applicant)
    assert after is not None and after.status is EnterpriseStatus.PENDING


async def test_only_admins_review_and_only_once(app: App) -> None:
    applicant = await english(Chat(app.router))
    admin = await english(Chat(app.router, external_id="admin"))
    e = await registered(app, applicant)
    await press(applicant, f"regadm:ok:{e.id}")
    assert "not allowed" in applicant.text
    after = await stored(app, applicant)
    assert after is not None and after.status is EnterpriseStatus.PENDING
    await press(admin, f"regadm:ok:{e.id}")
    await press(admin, f"regadm:no:{e.id}")
    assert "already been reviewed" in admin.text
    await press(admin, "regadm:ok:999")
    assert "no longer exists" in admin.text


async def test_profile_edits_and_review_again_after_a_key_change(app: App) -> None:
    applicant = await english(Chat(app.router))
    admin = await english(Chat(app.router, external_id="admin"))
    e = await registered(app, applicant)
    await press(admin, f"regadm:ok:{e.id}")
    await applicant.say("/profile")
    assert "Status: approved on" in applicant.text
    await applicant.press("reg:profile:edit:products")
    assert "Now: Bát đĩa men lam, lọ hoa" in applicant.text
    await applicant.say("Ấm chén, bình hút lộc")
    assert "Saved." in applicant.text
    assert "Main products: Ấm chén, bình hút lộc" in applicant.text
    after = await stored(app, applicant)
    assert after is not None and after.status is EnterpriseStatus.APPROVED
    assert len(await outbox_for(app, admin)) == 1
    await applicant.press("reg:profile:edit:phone")
    await applicant.press("Back")
    assert "Status: approved" in applicant.text  # Back changes nothing
    await applicant.press("reg:profile:edit:phone")
    await applicant.say("0987 654 321")
    assert "review your registration again" in applicant.text
    assert "Status: waiting for review" in applicant.text
    after = await stored(app, applicant)
    assert after is not None
    assert (after.status, after.phone) == (EnterpriseStatus.PENDING, "+84987654321")
    notices = await outbox_for(app, admin)
    assert len(notices) == 2
    assert "was changed and needs review again" in notices[-1].replies[0].text


async def test_a_profile_edit_takes_no_one_else_s_contact(app: App) -> None:
    applicant = await english(Chat(app.router))
    admin = await english(Chat(app.router, external_id="admin"))
    e = await registered(app, applicant)
    await press(admin, f"regadm:ok:{e.id}")
    await applicant.say("/profile")
    await applicant.press("reg:profile:edit:phone")
    await applicant.share_contact("84987654321", user_id="someone-else")
    assert "someone else's contact" in applicant.text
    assert "What phone number" in applicant.text and applicant.last.request_contact
    after = await stored(app, applicant)
    assert after is not None
    assert (after.status, after.phone) == (EnterpriseStatus.APPROVED, e.phone)
    await applicant.share_contact("84987654321")  # their own after all
    after = await stored(app, applicant)
    assert after is not None and after.phone == "+84987654321"


async def test_a_pending_registration_changed_goes_to_the_reviewers_again(app: App) -> None:
    applicant = await english(Chat(app.router))
    admin = Chat(app.router, external_id="admin")
    await registered(app, applicant)
    assert len(await outbox_for(app, admin)) == 1
    await applicant.say("/profile")
    await applicant.press("reg:profile:edit:products")
    await applicant.say("Ấm chén, bình hút lộc")
    assert "The Department will review your registration with this change" in applicant.text
    after = await stored(app, applicant)
    assert after is not None and after.status is EnterpriseStatus.PENDING
    notices = await outbox_for(app, admin)
    assert len(notices) == 2
    [again] = notices[-1].replies
    assert "được sửa và cần duyệt lại" in again.text and "Ấm chén, bình hút lộc" in again.text
    assert [b.payload for b in again.options] == [f"regadm:ok:{after.id}", f"regadm:no:{after.id}"]
    await applicant.press("reg:profile:edit:products")
    await applicant.say("Ấm chén, bình hút lộc")
    assert "Nothing was changed." in applicant.text
    assert len(await outbox_for(app, admin)) == 2


async def test_a_rejected_registration_goes_back_to_review_when_corrected(app: App) -> None:
    applicant = await english(Chat(app.router))
    admin = Chat(app.router, external_id="admin")
    e = await registered(app, applicant)
    await press(admin, f"regadm:no:{e.id}")
    await admin.say("Sai tên cơ sở")
    await applicant.say("/profile")
    assert "Reason: Sai tên cơ sở" in applicant.text
    await applicant.press("reg:profile:edit:name")
    await applicant.say("Cơ sở gốm sứ Minh Hải")
    assert "sent to the Department for review again" in applicant.text
    after = await stored(app, applicant)
    assert after is not None
    assert (after.status, after.reject_reason) == (EnterpriseStatus.PENDING, None)


async def test_a_phone_or_tax_code_of_someone_else_is_refused(app: App) -> None:
    first = Chat(app.router)
    await registered(app, first)
    other = await english(Chat(app.router, external_id="u2"))
    await other.say("/register")
    await other.press("reg:consent:yes")
    await other.say("Cơ sở gốm Hải Anh")
    await other.press("reg:kind:household")
    await other.say("2 5")  # producer, Done
    await other.say("1 16")  # ceramics, Done
    await other.say("bat trang")
    await other.press(1)
    await other.press("Skip")
    await other.say("Lê Văn Nam")
    await other.say("0912.345.678")
    assert "already registered in the network by someone else" in other.text
    assert "contact the Hanoi Department of Industry and Trade" in other.text
    assert "Minh Hải" not in other.text and "HN-" not in other.text
    await other.say("0913 111 222")
    await other.say("001085012345")
    assert "This tax code is already registered" in other.text
    assert "Minh Hải" not in other.text
    await other.say("001090012345")
    assert "main products" in other.text


async def test_a_number_taken_while_the_summary_was_open_is_refused_at_confirm(app: App) -> None:
    late = await english(Chat(app.router, external_id="u2"))
    await to_summary(late)
    first = Chat(app.router)
    await register(first)
    await late.press("reg:summary:confirm")
    assert "already registered in the network by someone else" in late.text
    assert "What phone number" in late.text
    assert await stored(app, late) is None
    await late.say("0913 111 222")
    assert "Phone: 0913 111 222" in late.text
    await late.press("reg:summary:confirm")
    assert "This tax code is already registered" in late.text
    await late.say("001090012345")
    await late.press("reg:summary:confirm")
    assert "Reference number: HN-" in late.text


async def test_a_profile_edit_to_a_taken_number_is_refused(app: App) -> None:
    await register(Chat(app.router))
    other = await english(Chat(app.router, external_id="u2"))
    await register(other, phone="0913 111 222", tax_code=None)
    await other.say("/profile")
    await other.press("reg:profile:edit:phone")
    await other.say("0912 345 678")
    assert "already registered in the network by someone else" in other.text
    e = await stored(app, other)
    assert e is not None and e.phone == "+84913111222"
