"""The Department's staff tools: /admin, roles, the audit log, registrations to review, fairs,
exports and figures. Every entry sits behind a role guard; the check runs on every update."""

from __future__ import annotations

from bot.dialog.router import Router
from handlers.guards import require
from handlers.staff import (
    audit_log,
    data_requests,
    exports,
    fair_admin,
    fair_card,
    fair_flow,
    fair_steps,
    menu,
    review,
    review_bulk,
    roles,
    stats,
)
from handlers.staff.review import FLOW as REVIEW_FLOW
from storage.roles import Role

__all__ = ["register"]


def register(router: Router) -> None:
    """Wires the staff tools, each for the roles that may use it; staff commands are kept out
    of everyone's command list."""
    viewer, moderator = require(Role.VIEWER), require(Role.MODERATOR)
    admin, owner = require(Role.ADMIN), require(Role.OWNER)
    router.command(("admin",), viewer(menu.admin_menu))
    router.button(menu.PAYLOADS, viewer(menu.on_button))
    router.command(("thong_ke", "stats"), viewer(stats.show_stats))
    router.button(stats.ShowStats, viewer(stats.show_stats))
    router.command(("xuat", "export"), viewer(exports.choose_what))
    router.button(exports.PAYLOADS, viewer(exports.on_button))
    router.flow(exports.FLOW, viewer(exports.on_input))
    router.command(("duyet_dang_ky", "review"), moderator(review_bulk.on_button))
    router.button(review.PAYLOADS, moderator(review_bulk.on_button))
    router.flow(REVIEW_FLOW, moderator(review_bulk.on_input))
    router.command(("quan_ly_hoi_cho", "manage_fairs"), admin(fair_card.fair_list))
    router.button(fair_card.PAYLOADS, admin(fair_admin.on_button))
    router.button(fair_steps.PAYLOADS, admin(fair_flow.on_button))
    router.flow(fair_flow.FLOW, admin(fair_flow.on_input))
    router.command(("yeu_cau_du_lieu", "data_requests"), moderator(data_requests.request_list))
    router.button(data_requests.PAYLOADS, moderator(data_requests.on_button))
    router.command(("nhat_ky", "audit"), admin(audit_log.show_latest))
    router.button(audit_log.AuditPage, admin(audit_log.on_button))
    router.command(("quan_tri", "roles"), owner(roles.staff_list))
    router.button(roles.PAYLOADS, owner(roles.on_button))
    router.flow(roles.FLOW, owner(roles.on_input))
