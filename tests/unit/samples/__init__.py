"""One filled-in context for every template, for the tests that render each template in
each language (tests/unit/test_languages.py). One module an audience, so each grows on
its own: SAMPLES maps a template ("customer/ack") to a list of contexts (a View, or a
mapping of its fields), the variants a mail can take (with and without a name...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from maild.core.contexts import View

from . import customer

Sample = View | Mapping[str, object]

SAMPLES: dict[str, Sequence[Sample]] = {**customer.SAMPLES}
