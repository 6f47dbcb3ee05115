"""The Department's staff tools: /admin, roles, the audit log, registrations to review, fairs,
exports and figures. Every entry sits behind a role guard; the check runs on every update."""

from __future__ import annotations

from bot.dialog.router import Router
from handlers.guards import Permission, may
from handlers.staff import (
    audit_log,
    booth_queue,
    broadcast,
    data_requests,
    decisions,
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
    web_login,
)
from handlers.staff.review import FLOW as REVIEW_FLOW

__all__ = ["register"]


def register(router: Router) -> None:
    """Wires the staff tools, each for the roles that may use it; staff commands are kept out
    of everyone's command list."""
    staff, stats_ = may(Permission.STAFF), may(Permission.STATS)
    export, review_ = may(Permission.EXPORT), may(Permission.REVIEW)
    fairs, audit, owner = may(Permission.FAIRS), may(Permission.AUDIT), may(Permission.ROLES)
    data = may(Permission.DATA_REQUESTS)
    booth_queue.register(router)  # booth applications to decide: guards of its own
    decisions.register(router)  # a registration's approval or rejection (`regadm:`)
    router.command(("admin",), staff(menu.admin_menu))
    router.command(("web",), staff(web_login.send_link))
    router.button(menu.PAYLOADS, staff(menu.on_button))
    router.command(("thong_ke", "stats"), stats_(stats.show_stats))
    router.button(stats.ShowStats, stats_(stats.show_stats))
    router.command(("xuat", "export"), export(exports.choose_what))
    router.button(exports.PAYLOADS, export(exports.on_button))
    router.flow(exports.FLOW, export(exports.on_input))
    router.command(("duyet_dang_ky", "review"), review_(review_bulk.on_button))
    router.button(review.PAYLOADS, review_(review_bulk.on_button))
    router.flow(REVIEW_FLOW, review_(review_bulk.on_input))
    router.command(("quan_ly_hoi_cho", "manage_fairs"), fairs(fair_card.fair_list))
    router.button(fair_card.PAYLOADS, fairs(fair_admin.on_button))
    router.button(fair_steps.PAYLOADS, fairs(fair_flow.on_button))
    router.flow(fair_flow.FLOW, fairs(fair_flow.on_input))
    router.command(("yeu_cau_du_lieu", "data_requests"), data(data_requests.request_list))
    router.button(data_requests.PAYLOADS, data(data_requests.on_button))
    router.command(("nhat_ky", "audit"), audit(audit_log.show_latest))
    router.button(audit_log.AuditPage, audit(audit_log.on_button))
    router.command(("quan_tri", "roles"), owner(roles.staff_list))
    router.button(roles.PAYLOADS, owner(roles.on_button))
    router.flow(roles.FLOW, owner(roles.on_input))
    broadcast.register(router)  # announcements: guards of its own
