"""Answering: the engine that turns a read question and its conversation's context (`context`) into an Answer
(`engine`, built from `engine_parts`), in stages: the question resolved into a frozen, typed request
(`resolve`, `request`); the answerers asked in order for a candidate (`answerers`), each working on the case
(`case`: the request with what answering reads) and building a kind of answer (`about_named`,
`without_names`, `programme_countries`, `roles`, `people`, `groups`, `names`, `series`, and `across` for
questions across records, with `comparisons` of things named); the candidate
checked against the whole question before it is sent (`verify`), with named confidences (`confidence`). With
what it ranks (`ranking`, over `factindex`, `factmasks`, `wordindex`), the records it derives (`records`,
`details`), the taught ways of asking (`learned`) and the wording of each answer (`compose`: `wording`,
`citations` and one `compose_*` module per kind of answer); the answers to a question in several parts, joined
(`joined`); and the serving fact base with its engine (`live`), compiled (`compiled`).
Nothing here touches a database, Redis, metrics or a platform.

May import: bot.text, bot.factbase, bot.reading, bot.showing, bot.cache, bot.commands, bot.version.
"""
