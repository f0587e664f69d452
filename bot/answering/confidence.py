"""How sure each kind of reply is, by name: one place for the figures a reply's `confidence` carries.

A reply computed from the records' own fields (a date compared, a list of a kind) is as sure as the reading
of the question; one found the long way round or leaving words of the question unaccounted for is not; a
reply that says something is not on record matched nothing (`matched` is false) and says so in its figure.
Ranked records get a confidence from their score instead (about_named.py).
"""

from __future__ import annotations

CERTAIN = 1.0  # fixed replies (greeting, help, about)
TAUGHT = 0.9  # a curator taught this way of asking its record
CITED = 0.9  # whom to contact and which sources: what the records cite
NAMES = 0.9  # a name or title as the fact base writes it in each language
ROLE_HELD = 0.9  # who held a role in a period a role record covers
ACROSS = 0.85  # first, latest, next, in a period, a comparison, computed from the records' fields
ROLE_AT_EVENT = 0.85  # who held a role when a named event took place
LISTED = 0.8  # every item of a kind, or of a programme
NEAREST = 0.8  # a question naming nothing, answered by the records its words fit best
WORDS_ONLY = 0.6  # a question naming nothing, answered by the one record sharing most of its words
HELD = 0.6  # the closest record turned out to hold the detail: right, but found the long way round
UNACCOUNTED = 0.6  # the records leave words of the question unaccounted for: perhaps beside the point
CLARIFY = 0.4  # the question reads several ways: which did you mean?
NOT_ON_RECORD = 0.3  # what is asked is not on record; what is, set apart
NOTHING_ON = 0.2  # nothing on record bears on it at all
NO_ANSWER = 0.0  # a name the fact base holds nothing on; a message it cannot read
