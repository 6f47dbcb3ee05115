"""The machinery around handlers: the outbox and its rate limits, periodic jobs, logging.

May import handlers and everything below them; never the channels, the command line or
bot.app.
"""
