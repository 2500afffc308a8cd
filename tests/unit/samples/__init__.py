"""One filled-in context for every template, for the tests that render each template in
each language (tests/unit/test_languages.py). One module an audience, each with its own
SAMPLES: a template ("customer/ack") -> the contexts it is rendered with (a View, or a
mapping of its fields), the variants a mail can take (with and without a name...).
Every module of this package is read: a new audience is a new file."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence

from maild.core.contexts import View

Sample = View | Mapping[str, object]

SAMPLES: dict[str, Sequence[Sample]] = {}
for _module in pkgutil.iter_modules(__path__):
    SAMPLES.update(importlib.import_module(f"{__name__}.{_module.name}").SAMPLES)
