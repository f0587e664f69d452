"""How sending a reply can end, for every surface: sent; possibly delivered (the platform may have it, so it is
not sent again and not apologised for: a possible loss, never a duplicate); or not delivered (refused, or
certainly lost: an apology may follow)."""

from __future__ import annotations


class PossiblyDelivered(Exception):
    """A send failed in a way that leaves open whether the platform got it; it is not sent again."""


class NotDelivered(Exception):
    """The platform refused the reply, or it certainly did not arrive: an apology may follow."""
