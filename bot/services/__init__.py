"""Work done outside a conversation step: fair import and files, notices, waiting lists,
broadcasts, reminders, exports, check-in, figures, the audit log.

May import storage, bot.domain and bot.core; never handlers, the engine or the channels.
"""
