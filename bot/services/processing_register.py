"""The record of processing (Law 91/2025/QH15) written from the code's own rules: the
categories of bot.domain.personal_data, the retention rules as the database holds them, and
the consent text's version. `ketnoi data register` writes it for staff to file."""

from __future__ import annotations

from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.domain.consent import CONSENT_DATE, CONSENT_VERSION, CONTROLLER
from bot.domain.personal_data import CATEGORIES, SECURITY_MEASURES
from bot.services.retention import RULE_NAMES
from storage.retention import RetentionRule

__all__ = ["register_markdown"]


def register_markdown(lang: Lang, rules: list[RetentionRule]) -> str:
    """The record as a Markdown document in `lang`."""
    _ = lang.gettext
    days = {r.kind: r for r in rules}
    lines = [
        "# " + _("Record of personal data processing: the ketnoi chatbot"),
        "",
        _("Controller: {controller} (the Hanoi Department of Industry and Trade).").format(
            controller=CONTROLLER
        ),
        _("Written on {date} from the rules in ketnoi's code and database.").format(
            date=lang.date(utcnow())
        ),
        _("Consent text in use: version {version} of {date}.").format(
            version=CONSENT_VERSION, date=lang.date(CONSENT_DATE)
        ),
        "",
        "## " + _("Categories of personal data"),
    ]
    for c in CATEGORIES:
        lines += [
            "",
            f"### {_(c.title)}",
            "",
            "- " + _("Data: {holds}.").format(holds=_(c.holds)),
            "- " + _("Purpose: {purpose}.").format(purpose=_(c.purpose)),
            "- " + _("Legal ground: {basis}.").format(basis=_(c.basis)),
            "- " + _("Recipients: {recipients}.").format(recipients=_(c.recipients)),
            "- " + _("Kept: {how_long}.").format(how_long=_(c.kept_while)),
        ]
        for kind in c.retention:
            rule = days.get(kind)
            state = (
                _("{days} days").format(days=rule.days)
                if rule is not None and rule.active
                else _("rule not active")
            )
            lines.append(
                "  - "
                + _("Rule {kind}: {what}: {state}.").format(
                    kind=kind, what=_(RULE_NAMES[kind]), state=state
                )
            )
        lines.append("- " + _("Where: {columns}.").format(columns=", ".join(c.columns)))
    lines += [
        "",
        "## " + _("Rights of the people concerned"),
        "",
        _(
            "In the bot, /du_lieu_cua_toi (/my_data) shows what is held and why, sends a copy"
            " (a document and a JSON file; as text on Zalo), stops announcements, and withdraws"
            " consent with the deletion of the data. /ho_so (/profile) corrects the"
            " registration. Every request is recorded for staff (/yeu_cau_du_lieu)."
        ),
        "",
        "## " + _("Security measures"),
        "",
        *("- " + _(m) for m in SECURITY_MEASURES),
        "",
    ]
    return "\n".join(lines)
