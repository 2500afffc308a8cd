"""Every template reads only what its context declares, and every field is read:
a misspelt variable or a forgotten one fails here, not in a customer's mail."""

from dataclasses import fields

import jinja2
import jinja2.meta
import pytest

from maild.adapters import i18n
from maild.adapters.render import default_templates_dir, environment
from maild.core.contexts import CONTEXTS

TEMPLATES = default_templates_dir()
ADDED_BY_NOTICE = {"ticket_id", "support_name"}  # notices.notice adds them to every mail
# The renderer's globals: the catalog's functions, and the reader's language and direction.
GLOBALS = {"_", "gettext", "ngettext", "lang", "dir"}
ENV = environment(jinja2.FileSystemLoader(str(TEMPLATES)), i18n.speech("en"))


def _reads(name: str) -> set[str]:
    """The variables a template reads, with those of the templates it includes."""
    tree = ENV.parse((TEMPLATES / name).read_text())
    found = set(jinja2.meta.find_undeclared_variables(tree))
    for included in jinja2.meta.find_referenced_templates(tree):
        if included:
            found |= _reads(included)
    return found


def _families() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in TEMPLATES.rglob("*.j2"):
        name = str(path.relative_to(TEMPLATES))
        # Top-level files are partials, read through their includers; macros are the
        # operator's canned replies, checked below.
        if "/" in name and not name.startswith("macros/"):
            out.setdefault(name.rsplit(".", 2)[0], set()).update(_reads(name))
    return out


def test_every_template_has_a_context():
    assert set(_families()) == set(CONTEXTS)


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_a_template_reads_only_its_contexts_fields(template):
    declared = {f.name for f in fields(CONTEXTS[template])}
    unknown = _families()[template] - declared - ADDED_BY_NOTICE - GLOBALS
    assert not unknown, f"{template} reads {sorted(unknown)}, not in {CONTEXTS[template].__name__}"


def test_every_field_is_read_by_some_template_of_its_context():
    reads: dict[type, set[str]] = {}
    for template, context in CONTEXTS.items():
        reads.setdefault(context, set()).update(_families()[template])
    for context, read in reads.items():
        unread = {f.name for f in fields(context)} - read
        assert not unread, f"{context.__name__}: {sorted(unread)} read by no template"


def test_a_misspelt_variable_is_caught(tmp_path):
    """The check itself works: a template reading an undeclared name is reported."""
    (tmp_path / "t.j2").write_text("{{ agent_nmae }}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    read = jinja2.meta.find_undeclared_variables(env.parse((tmp_path / "t.j2").read_text()))
    declared = {f.name for f in fields(CONTEXTS["customer/reply"])}
    assert read - declared == {"agent_nmae"}


MACRO_VALUES = {"customer_name", "ticket_id", "agent_name"}


def test_canned_replies_read_only_what_the_desk_fills_in():
    for path in (TEMPLATES / "macros").glob("*.txt.j2"):
        read = _reads(str(path.relative_to(TEMPLATES)))
        assert read <= MACRO_VALUES, f"{path.name} reads {sorted(read - MACRO_VALUES)}"
