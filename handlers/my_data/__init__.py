"""A person's rights over their data (Law 91/2025/QH15): /du_lieu_cua_toi (/my_data) shows what
is held and why, sends a copy, stops announcements, and withdraws consent with the deletion of
the data. Staff see the requests in /yeu_cau_du_lieu (handlers/staff/data_requests.py)."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.types import Reply
from bot.dialog.router import Router, Turn
from bot.services.retention import CHECK_EVERY, run_if_due
from handlers.my_data import erasure, overview
from handlers.staff import data_requests
from handlers.start import bad_button

__all__ = ["register"]


async def show(turn: Turn) -> list[Reply]:
    """/du_lieu_cua_toi: what is held, and what can be done about it."""
    return await overview.overview(turn)


async def on_button(turn: Turn) -> list[Reply]:
    """`mydata:show|copy|stop|stop_yes|erase|erase_yes`."""
    if not isinstance(turn.payload, overview.MyData):
        return await bad_button(turn)
    match turn.payload.action:
        case "show":
            return await overview.overview(turn)
        case "copy":
            return await overview.copy(turn)
        case "stop":
            return await overview.ask_restrict(turn)
        case "stop_yes":
            return await overview.restrict(turn)
        case "erase":
            return await erasure.ask_erase(turn)
        case "erase_yes":
            return await erasure.erase(turn)


def register(router: Router) -> None:
    """Wires the command and its buttons (`mydata:`), and the jobs: the retention rules once a
    day, staff reminded daily of erasures they owe."""
    router.command(
        ("du_lieu_cua_toi", "my_data"),
        show,
        description=N_("See your data, get a copy, or have it deleted"),
    )
    router.button(overview.MyData, on_button)
    router.every("retention", CHECK_EVERY, lambda: run_if_due(router.services.retention))
    router.every(
        "data_request_reminders",
        data_requests.REMIND_CHECK_EVERY,
        lambda: data_requests.remind_staff(router),
    )
