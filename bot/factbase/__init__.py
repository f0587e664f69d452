"""The fact base: what `knowledge/` may hold (`schema`), the immutable records it is read into (`model`), which
files a base is (`files`), and loading and checking them (`loading`, with `yamlsource` keeping line numbers).

May import: bot.text, bot.commands.
"""
