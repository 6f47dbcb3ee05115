"""Button payloads are read in one place: a malformed, out-of-range or unknown one gets the
polite answer in the user's language and a row in the audit log, never a failed update."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.core.types import Incoming, Kind
from storage.audit import AuditEntry
from tests.chat import Chat

POLITE_VI = "Lựa chọn này không còn hiệu lực. Mời bạn chọn lại trong danh mục:"
POLITE_EN = "That option is no longer available. Here is the menu:"
HUGE = "9" * 5000

MALFORMED = [
    # producers' buttons
    "booth:99999999999999999999:show",
    f"booth:{HUGE}:show",
    "booth:-1:show",
    "booth:12",
    "booth:12:show:now",
    "booth:12:steal",
    "fair:test-fair:burn",
    "fair:Test Fair:card",
    "fairs:up:99999999999999999999",
    "fairs:later:0",
    "fb:99999999999999999999:v:50_200",
    "fb:1:v:a_thousand",
    "remind:fair:99999999999999999999",
    "remind:sector:casino",
    "apply:booths:100",
    "faq:p:-1",
    "ask:99999999999999999999:fairs",
    "reg:nonstep:yes",
    "menu:casino",
    "lang:vi:en",
    # staff buttons
    "regadm:ok:99999999999999999999",
    f"regadm:no:{HUGE}",
    "boothadm:99999999999999999999:show",
    "boothadm:fair:-5",
    "review:show:0",
    "review:tog:12",
    "fairadm:99999999999999999999:cancelok",
    "fairflow:summary:edit:nothing",
    "auditlog:99999999999999999999",
    "roles:99999999999999999999:set:admin",
    "roles:12:set:emperor",
    "export:e:-:-:-:99999999999999999999:xlsx",
    "bcast:stop:99999999999999999999",
    "admin:run:rm",
    "datareq:show:99999999999999999999",
    "mydata:burn",
    # nobody's
    "nonsense::42:",
    "",
]


def _press(chat: Chat, payload: str) -> Incoming:
    return Incoming(user=chat.user, kind=Kind.BUTTON, payload=payload, display_name=chat.name)


async def _refusals(app: App) -> list[AuditEntry]:
    entries, _total = await app.router.services.audit.repo.page(0, 1000)
    return [e for e in reversed(entries) if e.outcome == "refused"]


@pytest.mark.parametrize("who", ["producer", "owner"])
@pytest.mark.parametrize("payload", MALFORMED)
async def test_a_malformed_payload_gets_the_polite_answer_and_is_audited(
    app: App, who: str, payload: str
) -> None:
    chat = Chat(app.router, external_id="admin" if who == "owner" else "p1")
    traffic = app.router.traffic
    failed, refused = traffic.failed, traffic.handled("bad_payload")
    await chat.send(_press(chat, payload))
    assert chat.text == POLITE_VI
    assert chat.options  # the main menu, to go on from
    assert (traffic.failed, traffic.handled("bad_payload")) == (failed, refused + 1)
    [entry] = await _refusals(app)
    assert entry.actor.startswith(f"console:{chat.user.external_id}")
    assert entry.role == ("owner" if who == "owner" else None)
    assert entry.target == (payload[:79] + "…" if len(payload) > 80 else payload or None)
    assert entry.after["kind"] == "button"
    assert entry.after["reason"]


async def test_the_polite_answer_is_in_the_users_language(app: App, chat: Chat) -> None:
    await chat.say("/ngon_ngu")
    await chat.press("English")
    await chat.send(_press(chat, "booth:99999999999999999999:show"))
    assert chat.text == POLITE_EN


async def test_an_old_payload_kept_as_the_last_menu_is_answered_politely(
    app: App, chat: Chat
) -> None:
    await chat.say("/start")
    svc = app.router.services
    user = await svc.users.find(chat.user)
    assert user is not None
    async with svc.db.transaction():  # a menu saved by an older version of the bot
        conv = await svc.conversations.get(user.id)
        conv.last_menu = [("Hội chợ cũ", "fair:old-key:card:v1")]
        await svc.conversations.save(conv)
    failed = app.router.traffic.failed
    await chat.say("1")
    assert chat.text == POLITE_VI
    assert app.router.traffic.failed == failed
    assert [e.target for e in await _refusals(app)] == ["fair:old-key:card:v1"]


async def test_well_formed_buttons_still_work_and_are_not_audited(app: App, chat: Chat) -> None:
    await chat.send(_press(chat, "menu:fairs"))
    await chat.send(_press(chat, "fair:no-such-fair:card"))  # a stale fair: its own answer
    assert "không còn trong lịch" in chat.text
    assert await _refusals(app) == []


_TAILS = st.lists(
    st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.text(alphabet="0123456789-_:abcxyz", max_size=25),
        st.text(max_size=10),
        st.sampled_from(["show", "card", "ok", "set", "admin", "v", "again", "1", "0", "-"]),
    ),
    max_size=6,
).map(":".join)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), staff=st.booleans())
async def test_no_payload_string_makes_an_update_fail(
    app: App, data: st.DataObject, staff: bool
) -> None:
    prefixes = sorted({cls.prefix for cls in app.router.buttons})  # every button of the bot
    payload = data.draw(
        st.one_of(
            st.text(max_size=100),
            st.builds(lambda head, tail: f"{head}:{tail}", st.sampled_from(prefixes), _TAILS),
        )
    )
    chat = Chat(app.router, external_id="admin" if staff else "fuzz")
    failed = app.router.traffic.failed
    replies = await chat.send(_press(chat, payload))
    assert app.router.traffic.failed == failed, payload
    assert replies  # every button gets an answer
