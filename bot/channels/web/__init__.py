"""The web pages: the public fair calendar and open data, and the staff pages under /quan-tri.

An edge like the chat channels: it renders what services and repositories hold, checks the
same roles as the chat (bot/services/permissions.py), and writes through the same services,
so producers get the same notices whichever way staff act.
"""

from bot.channels.web.site import WebChannel, build_app, site_key

__all__ = ["WebChannel", "build_app", "site_key"]
