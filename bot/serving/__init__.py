"""Serving: what runs around the answering core while a surface serves. The database and its inbox
(`store`), what a running surface holds of it (`sweep`), what it depends on and whether it fails
(`dependency`), state shared by replicas (`shared`, with `plaindata` for what Redis holds), the per-person
limit (`limits`), the conversation log (`convlog`), metrics and readiness (`metrics`), log lines
(`logs`, `redact`), watching the fact base (`watch`), and what a surface is handed and must be (`runtime`,
`surface`).

May import: bot.text, bot.factbase, bot.reading, bot.showing, bot.answering, bot.core, bot.cache,
bot.commands, bot.version.
"""
