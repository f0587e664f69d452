"""Curation: what curators see and do. The report of what was asked and not answered: built from the log
(`report`, grouping the questions with `clusters`) as typed data with its JSON form (`report_model`), and shown
as Markdown (`report_markdown`) or as an HTML page (`report_html`, drawn with the `report_html_*` modules).
Feedback on answers (`feedback`), and the curators' desk in a surface: clusters, teaching a way of asking,
dismissing, the serving base's status (`desk`, `teaching`).

May import: bot.text, bot.factbase, bot.reading, bot.showing, bot.answering, bot.core, bot.serving, bot.cache,
bot.commands, bot.version.
"""
