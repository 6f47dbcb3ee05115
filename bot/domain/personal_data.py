"""What personal data ketnoi holds, column by column, and why: the source of `/du_lieu_cua_toi`
(grouped as a producer understands it), of the record of processing (`ketnoi data register`)
and of the retention rules' reach.

Every column of the schema is listed here, personal or not (tests/bot/domain/
test_personal_data.py compares this with the migrated database): a new column cannot land
without someone deciding whether it identifies a person, in which category, and which
retention rule removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.core.i18n import N_

__all__ = [
    "CATEGORIES",
    "NOT_PERSONAL",
    "RETENTION_KINDS",
    "SECURITY_MEASURES",
    "Category",
    "category_of",
]


@dataclass(frozen=True)
class Category:
    """A kind of personal data as the person would name it, with where it lives and why."""

    key: str
    title: str  # N_: as shown in /du_lieu_cua_toi and the register
    holds: str  # N_: what it is, in words
    purpose: str  # N_: why it is processed
    recipients: str  # N_: who sees it
    basis: str  # N_: the legal ground
    retention: tuple[str, ...]  # retention_rules kinds that remove it (besides erasure)
    kept_while: str  # N_: how long, in words
    columns: tuple[str, ...]  # "table.column"


_CONSENT: Final = N_("consent of the person (Law 91/2025/QH15)")
_STAFF: Final = N_("staff of the Hanoi Department of Industry and Trade who run the network")

CATEGORIES: Final = (
    Category(
        key="apps",
        title=N_("Your apps"),
        holds=N_(
            "the Telegram or Zalo accounts you write from (their id and the name they show),"
            " your language, a phone number you shared, when you first and last wrote"
        ),
        purpose=N_("to answer you and send you what you asked for, on the app you use"),
        recipients=_STAFF,
        basis=N_("consent of the person; for people who only ask questions, their own request"),
        retention=("never_registered",),
        kept_while=N_(
            "while you are registered; without a registration, a year after you last wrote"
        ),
        columns=(
            "users.id",
            "users.account_id",
            "users.channel",
            "users.external_id",
            "users.display_name",
            "users.locale",
            "users.phone",
            "users.created_at",
            "users.last_seen_at",
            "users.blocked_at",
            # the Department's Zalo OA: its 7-day window, the card's phone and consent date
            "zalo_oa_contacts.external_id",
            "zalo_oa_contacts.last_interaction_at",
            "zalo_oa_contacts.phone",
            "zalo_oa_contacts.shared_name",
            "zalo_oa_contacts.phone_consent_at",
            "zalo_oa_contacts.updated_at",
        ),
    ),
    Category(
        key="registration",
        title=N_("Your registration"),
        holds=N_(
            "your establishment's name, kind, place and address, roles and crafts, contact"
            " person, phone number, tax code or personal ID number, products, OCOP rating and"
            " practices; its review; the consent you gave and its version"
        ),
        purpose=N_(
            "to admit your establishment into the network and contact you about it, and to"
            " count the network's members by craft and ward"
        ),
        recipients=_STAFF,
        basis=_CONSENT,
        retention=("rejected_registrations",),
        kept_while=N_(
            "while your establishment is in the network; a registration not approved, a year"
            " after the decision"
        ),
        columns=(
            "enterprises.id",
            "enterprises.account_id",
            "enterprises.reference",
            "enterprises.name",
            "enterprises.kind",
            "enterprises.roles",
            "enterprises.sectors",
            "enterprises.ward_code",
            "enterprises.province",
            "enterprises.address",
            "enterprises.contact_name",
            "enterprises.phone",
            "enterprises.tax_code",
            "enterprises.ocop_stars",
            "enterprises.products",
            "enterprises.practices",
            "enterprises.findable",
            "enterprises.shown",
            "enterprises.consent_at",
            "enterprises.consent_version",
            "enterprises.status",
            "enterprises.reject_reason",
            "enterprises.reviewed_by",
            "enterprises.reviewed_at",
            "enterprises.submitted_at",
            "enterprises.created_at",
            "enterprises.updated_at",
            "consents.id",
            "consents.account_id",
            "consents.version",
            "consents.channel",
            "consents.given_at",
            "consents.withdrawn_at",
            # what the staff's search reads: the fields above folded, their index, crafts as
            # rows, staff's own labels (migration 0014; removed with the registration)
            "enterprises.search_text",
            "enterprise_search.search_text",
            "enterprise_search_config.k",
            "enterprise_search_config.v",
            "enterprise_search_data.block",
            "enterprise_search_data.id",
            "enterprise_search_docsize.id",
            "enterprise_search_docsize.sz",
            "enterprise_search_idx.pgno",
            "enterprise_search_idx.segid",
            "enterprise_search_idx.term",
            "enterprise_sectors.enterprise_id",
            "enterprise_sectors.sector",
            "enterprise_tags.enterprise_id",
            "enterprise_tags.tag",
            "enterprise_tags.created_by",
            "enterprise_tags.created_at",
        ),
    ),
    Category(
        key="connections",
        title=N_("Your links with other members"),
        holds=N_(
            "the requests to connect you sent and received (with their one-line reason and"
            " the answer), the members you blocked or reported and why, the meeting slots you"
            " offered or took at a fair"
        ),
        purpose=N_(
            "to let members find each other and connect, as they chose, and to count the links"
            " the network forms"
        ),
        recipients=N_(
            "the member you asked or who asked you (your contact only once you accept);"
            " the Department's staff"
        ),
        basis=_CONSENT,
        retention=("connection_requests",),
        kept_while=N_(
            "with your registration; requests, two years (then only their count remains)"
        ),
        columns=(
            "connection_requests.id",
            "connection_requests.from_id",
            "connection_requests.to_id",
            "connection_requests.reason",
            "connection_requests.status",
            "connection_requests.chain_pair",
            "connection_requests.sector",
            "connection_requests.created_at",
            "connection_requests.decided_at",
            "member_blocks.enterprise_id",
            "member_blocks.blocked_id",
            "member_blocks.created_at",
            "member_reports.id",
            "member_reports.reporter_id",
            "member_reports.reported_id",
            "member_reports.reason",
            "member_reports.created_at",
            "member_reports.seen_by",
            "member_reports.seen_at",
            "meeting_slots.id",
            "meeting_slots.fair_id",
            "meeting_slots.enterprise_id",
            "meeting_slots.starts_at",
            "meeting_slots.buyer_id",
            "meeting_slots.reason",
            "meeting_slots.booked_at",
        ),
    ),
    Category(
        key="invitation",
        title=N_("Your invitation"),
        holds=N_(
            "what the Department's own list said of your establishment (name, kind, crafts,"
            " place, contact person, phone, tax code, products), until you accept it"
        ),
        purpose=N_("to invite the establishments the Department already works with"),
        recipients=_STAFF,
        basis=N_("the Department's public task of developing the craft villages"),
        retention=(),
        kept_while=N_(
            "until you accept it (your registration then holds the details) or for 90 days"
        ),
        columns=(
            "invitations.code",
            "invitations.fields",
            "invitations.created_by",
            "invitations.created_at",
            "invitations.used_by",
            "invitations.used_at",
            "invitations.enterprise_id",
        ),
    ),
    Category(
        key="staff_sessions",
        title=N_("Your sign-ins to the staff pages (staff only)"),
        holds=N_(
            "the one-time links and sessions that opened the staff web pages for you: when"
            " made, used and ended (the secrets themselves are kept only as hashes)"
        ),
        purpose=N_("to let staff sign in without a password, and end their sessions"),
        recipients=_STAFF,
        basis=N_("the Department's work, done by its staff"),
        retention=(),
        kept_while=N_("until they lapse (10 minutes for a link, 8 hours for a session)"),
        columns=(
            "web_logins.token_hash",
            "web_logins.user_id",
            "web_logins.created_at",
            "web_logins.expires_at",
            "web_logins.used_at",
            "web_sessions.token_hash",
            "web_sessions.user_id",
            "web_sessions.csrf",
            "web_sessions.created_at",
            "web_sessions.expires_at",
            "web_sessions.ended_at",
        ),
    ),
    Category(
        key="booths",
        title=N_("Your booth applications"),
        holds=N_(
            "the fairs you applied to, booths asked and given, products shown, special needs,"
            " the decision and its reason, check-in at the gate, your answers after a fair"
        ),
        purpose=N_("to allocate booths at the Department's fairs and organise them"),
        recipients=_STAFF,
        basis=_CONSENT,
        retention=(),
        kept_while=N_("with your registration"),
        columns=(
            "booth_applications.id",
            "booth_applications.fair_id",
            "booth_applications.enterprise_id",
            "booth_applications.account_id",
            "booth_applications.booths",
            "booth_applications.products",
            "booth_applications.needs",
            "booth_applications.status",
            "booth_applications.booth_numbers",
            "booth_applications.reason",
            "booth_applications.offer_expires_at",
            "booth_applications.checked_in_at",
            "booth_applications.decided_by",
            "booth_applications.created_at",
            "booth_applications.updated_at",
            "fair_feedback.fair_id",
            "fair_feedback.account_id",
            "fair_feedback.visitors",
            "fair_feedback.come_again",
            "fair_feedback.answered_at",
        ),
    ),
    Category(
        key="reminders",
        title=N_("Reminders you follow"),
        holds=N_("the crafts and fairs you follow, and whether reminders and announcements are on"),
        purpose=N_("to remind you of fairs and send you the Department's announcements"),
        recipients=_STAFF,
        basis=_CONSENT,
        retention=(),
        kept_while=N_("until you stop them (/dung) or withdraw your consent"),
        columns=(
            "sector_follows.account_id",
            "sector_follows.sector",
            "sector_follows.created_at",
            "fair_follows.fair_id",
            "fair_follows.account_id",
            "fair_follows.created_at",
            "users.reminders_on",
            "users.broadcasts_on",
        ),
    ),
    Category(
        key="messages",
        title=N_("Messages kept"),
        holds=N_(
            "messages the bot sends you (kept until sent, then emptied), the answers of a"
            " conversation you have not finished, questions you typed, codes to link two apps"
        ),
        purpose=N_(
            "to send messages exactly once, to let you go on where you left off, and to learn"
            " which questions the bot cannot answer yet"
        ),
        recipients=_STAFF,
        basis=_CONSENT,
        retention=("delivered_messages", "unfinished_conversations", "questions", "link_codes"),
        kept_while=N_(
            "messages, a month after they are sent; unfinished answers, a week; questions, a"
            " year; link codes, a day after they expire"
        ),
        columns=(
            "outbox.id",
            "outbox.dedupe_key",
            "outbox.user_id",
            "outbox.channel",
            "outbox.lane",
            "outbox.replies",
            "outbox.status",
            "outbox.attempts",
            "outbox.not_before",
            "outbox.created_at",
            "outbox.sent_at",
            "outbox.error",
            "outbox.broadcast_id",
            "outbox.topic",
            "outbox.claimed_by",
            "outbox.handed_at",
            "conversations.user_id",
            "conversations.flow",
            "conversations.step",
            "conversations.data",
            "conversations.last_menu",
            "conversations.started_at",
            "conversations.updated_at",
            "conversations.nudged_at",
            "questions.id",
            "questions.text",
            "questions.folded",
            "questions.intent",
            "questions.guess",
            "questions.score",
            "questions.user_hash",
            "questions.created_at",
            "link_codes.code",
            "link_codes.user_id",
            "link_codes.created_at",
            "link_codes.expires_at",
            "link_tries.user_id",
            "link_tries.failures",
            "link_tries.first_at",
            "link_tries.locked_until",
            # what the Zalo OA's webhook received, for a day after it was handled
            "zalo_oa_inbox.id",
            "zalo_oa_inbox.event_key",
            "zalo_oa_inbox.body",
            "zalo_oa_inbox.received_at",
            "zalo_oa_inbox.taken_at",
            "zalo_oa_inbox.follower",
            "zalo_oa_inbox.taken_by",
            "zalo_oa_inbox.taken_until",
            "zalo_oa_inbox.tries",
            "zalo_oa_inbox.done_at",
        ),
    ),
    Category(
        key="records",
        title=N_("Records the Department must keep"),
        holds=N_(
            "the requests you made about your data and when they were done, and the log of"
            " what staff did (which keeps the fact of an action, under a pseudonym once your"
            " data is deleted)"
        ),
        purpose=N_(
            "to show that requests were answered and that staff used the data only as allowed"
        ),
        recipients=N_("the Department's administrators and the authorities that inspect it"),
        basis=N_("legal obligation of the controller (Law 91/2025/QH15)"),
        retention=("data_requests", "audit_log"),
        kept_while=N_("five years"),
        columns=(
            "data_requests.id",
            "data_requests.account_id",
            "data_requests.subject",
            "data_requests.kind",
            "data_requests.channel",
            "data_requests.status",
            "data_requests.requested_at",
            "data_requests.due_at",
            "data_requests.reminded_at",
            "data_requests.done_at",
            "data_requests.done_by",
            "data_requests.outcome",
            "audit_log.id",
            "audit_log.at",
            "audit_log.actor_id",
            "audit_log.actor",
            "audit_log.role",
            "audit_log.action",
            "audit_log.target",
            "audit_log.outcome",
            "audit_log.before",
            "audit_log.after",
            "staff_roles.account_id",
            "staff_roles.role",
            "staff_roles.granted_by",
            "staff_roles.granted_at",
            "broadcasts.created_by",
        ),
    ),
)

# Columns that identify no one: the calendar, the FAQ, rules, keys, announcements' texts.
NOT_PERSONAL: Final = frozenset(
    {
        *(f"fairs.{c}" for c in (
            "id", "key", "title_vi", "title_en", "sectors", "starts_at", "ends_at",
            "venue_name", "venue_address", "venue_latitude", "venue_longitude", "booths",
            "apply_by", "max_booths", "description_vi", "description_en", "status",
            "created_at", "updated_at",
        )),
        *(f"faq.{c}" for c in (
            "key", "position", "questions", "answer_vi", "answer_en", "updated_at",
        )),
        *(f"broadcasts.{c}" for c in (
            "id", "audience", "text", "total", "status", "progress", "created_at",
            "finished_at", "send_at",
        )),
        *(f"reminder_rules.{c}" for c in ("id", "kind", "days", "at_time", "hours", "active")),
        *(f"retention_rules.{c}" for c in ("kind", "days", "active")),
        *(f"retention_runs.{c}" for c in ("id", "ran_at", "removed")),
        # failed sign-ins to the staff pages: the address only as an HMAC with the site's key
        # (not linkable to anyone from the database), gone after 10 minutes
        *(f"web_sign_in_failures.{c}" for c in ("address_hash", "failed_at")),
        *(f"signing_keys.{c}" for c in ("name", "secret", "created_at")),
        *(f"zalo_oa_tokens.{c}" for c in (
            "id", "seed", "access_token", "expires_at", "refresh_token", "generation",
            "refreshing_by", "refreshing_until", "refreshed_at", "updated_at",
        )),
        # counted without saying to whom
        *(f"zalo_oa_template_messages.{c}" for c in (
            "id", "kind", "template_id", "tracking_id", "status", "cost", "error", "created_at",
        )),
        *(f"zalo_oa_paid_messages.{c}" for c in ("day", "messages")),
    }
)  # fmt: skip

# Every retention rule kind a category names (the migration seeds one row for each).
RETENTION_KINDS: Final = tuple(dict.fromkeys(k for c in CATEGORIES for k in c.retention))

SECURITY_MEASURES: Final = (
    N_(
        "The data is kept in one database file on the Department's server; the bot's tokens"
        " are read only from the server's environment and never logged."
    ),
    N_(
        "Staff see what their role allows (viewer, moderator, administrator, owner), checked"
        " on every message; viewers' exports leave phone numbers and tax codes out."
    ),
    N_(
        "Every staff action, every export with its purpose, and every refused attempt is in"
        " the audit log."
    ),
    N_(
        "Personal ID numbers are shown masked (0011******89) to everyone but the staff who"
        " review registrations, in the chat and in exports, and never written to the logs."
    ),
    N_(
        "Deleted personal data is overwritten in the database file, not only unlinked; the"
        " retention rules run every day."
    ),
    N_(
        "Backups (ketnoi db backup) hold the same data and must be kept as securely as the"
        " server, and deleted on the same schedule."
    ),
)


def category_of(column: str) -> Category | None:
    """The category a "table.column" belongs to; None if it is not personal."""
    return _BY_COLUMN.get(column)


_BY_COLUMN: Final = {column: c for c in CATEGORIES for column in c.columns}
