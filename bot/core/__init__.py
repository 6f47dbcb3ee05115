"""The core: the message model, settings, catalogs, the clock and button payloads.

Imports nothing of ours outside bot.core; everything else may import it.
"""
