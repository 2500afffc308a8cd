"""Every real mail in the corpus is read as a person reads it (see README.md)."""

from pathlib import Path

import pytest

from tests.corpus.reading import HERE, expected, read_file

EXPECTED = expected()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mail_reads_as_a_person_reads_it(name):
    assert read_file(name) == EXPECTED[name]


def test_every_file_has_its_expectation_and_its_source_and_licence():
    files = {
        str(p.relative_to(HERE))
        for folder in ("mails", "html")
        for p in (HERE / folder).rglob("*")
        if p.is_file()
    }
    assert files == set(EXPECTED)
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    for source in {"/".join(name.split("/")[:2]) for name in files}:
        assert f"`{source}/`" in readme
    for licence in readme.split("`LICENSE.")[1:]:
        assert Path(HERE / ("LICENSE." + licence.split("`")[0])).is_file()
