"""What handlers are written against: the router (commands, payloads, flows), the Turn, and
the step machine every multi-step conversation runs on.

May import bot.services, storage, bot.domain and bot.core.
"""
