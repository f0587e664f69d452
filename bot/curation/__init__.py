"""Curation: what curators see and do. The report of what was asked and not answered (`report`, and its HTML,
`report_html`), feedback on answers (`feedback`), and the curators' desk in a surface: clusters, teaching a
way of asking, dismissing, the serving base's status (`desk`, `teaching`).

May import: bot.text, bot.factbase, bot.reading, bot.showing, bot.answering, bot.core, bot.serving, bot.cache,
bot.commands, bot.version.
"""
