"""Answering: the engine that turns a read question and its conversation's context (`context`) into an Answer
(`engine`, built from `engine_parts`), through the Turn that decides one question (`turn`) and the kinds of
answer it builds (`about_named`, `without_names`, `programme_countries`, `roles`, and `across` for questions
across records), which see the turn through `turnview`; with what it ranks (`ranking`, over `factindex`,
`factmasks`, `wordindex`), the records it derives (`records`, `details`), the taught ways of asking
(`learned`) and the wording of each answer (`compose`: `wording`, `citations` and one `compose_*` module per
kind of answer); the answers to a question in several parts, joined (`joined`); the check of every reply
against the whole question before it is sent (`verify`); and the serving fact base with its engine (`live`),
compiled (`compiled`).
Nothing here touches a database, Redis, metrics or a platform.

May import: bot.text, bot.factbase, bot.reading, bot.showing, bot.cache, bot.commands, bot.version.
"""
