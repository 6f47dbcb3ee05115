"""/web: a one-time link that logs a member of staff in to the web pages."""

from __future__ import annotations

from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.services.web_login import LINK_VALID, login_link, too_many_links

__all__ = ["send_link"]


async def send_link(turn: Turn) -> list[Reply]:
    """Sends a link that opens the staff pages once, within ten minutes."""
    _ = turn._
    svc = turn.services
    if svc.settings.web_root is None:
        return [Reply(text=_("The web pages are turned off on this server (KETNOI_WEB_LISTEN)."))]
    if await too_many_links(svc.web_sessions, turn.user):
        return [
            Reply(
                text=_(
                    "You have asked for several links in the last {minutes} minutes. Use the"
                    " latest one, or ask again in a few minutes."
                ).format(minutes=int(LINK_VALID.total_seconds() // 60))
            )
        ]
    link, expires = await login_link(svc.settings, svc.web_sessions, turn.user)
    await svc.audit.record(
        turn, "web.link", None, {"expires_at": expires}, target=f"user:{turn.user.id}"
    )
    text = _(
        "Open this link within {minutes} minutes to sign in to the staff pages. It works once;"
        " do not pass it on.\n{link}"
    ).format(minutes=int(LINK_VALID.total_seconds() // 60), link=link)
    return [Reply(text=text)]
