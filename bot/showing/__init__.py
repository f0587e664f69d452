"""Showing an answer: the one `Answer` model (`answer`), what every surface shows of it and in what order
(`layout`), interface labels (`labels`), dates, amounts and counts in words (`formatting`), the plain-text
renderer (`render_text`) and the JSON form (`protocol`).

May import: bot.text, bot.factbase.
"""
