"""Reading a question: its language (`language`), the names it holds (`entities`, `vocabulary`), the sentence
that asks (`focus`), periods and figures (`periods`), and what it asks for (`understand`, over what the fact
base's ways of asking are, `lexicon`, with `signals` and `counting`; `question`).

May import: bot.text, bot.factbase, bot.cache.
"""
