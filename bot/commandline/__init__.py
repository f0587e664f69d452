"""The `coopbot` command: its arguments and commands (`cli`), building and running a surface with its database,
shared state, curation and signals (`running`), `ask --jsonl` (`batch`) and `coopbot eval` (`evaluate`).

May import: all of bot.
"""
