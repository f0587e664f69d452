"""Answering: the engine that turns a read question and its conversation's context (`context`) into an Answer
(`engine`), with what it ranks (`ranking`, `factmasks`, `wordindex`), the records it derives (`records`,
`details`), the questions across records (`across`), the taught ways of asking (`learned`) and the wording
of each answer (`compose`); and the serving fact base with its engine (`live`), compiled (`compiled`).
Nothing here touches a database, Redis, metrics or a platform.

May import: bot.text, bot.factbase, bot.reading, bot.showing, bot.cache, bot.commands, bot.version.
"""
