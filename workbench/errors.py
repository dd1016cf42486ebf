"""Domain errors that services raise and views turn into messages next to the offending field."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A rule was broken.

    `errors` maps a form field name (or "" for the whole form) to a translated message.
    """

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in self.errors.items()))
