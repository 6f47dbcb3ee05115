"""Pure domain rules: text folding, the lexicon, places, phones, tax codes, periods, sectors,
and the reading of what producers type.

May import bot.core only; no storage, no I/O beyond reading the data files shipped with it.
"""
