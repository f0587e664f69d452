"""Text primitives every other part uses: normalising what people type (`normalize`), Korean particles and
letters (`korean`), and stripping control characters from what is shown (`controls`).

May import: nothing of bot.
"""
