"""Reading a question: its language (`language`), the names it holds (`entities`, `vocabulary`), the sentence
that asks (`focus`) and its parts when it asks several things (`parts`), periods and figures (`periods`), a
place in a series (`ordinals`), and what it asks for (`understand`, over what the fact base's ways of asking
are, `lexicon`, with `signals` and `counting`; `question`).

May import: bot.text, bot.factbase, bot.cache.
"""
