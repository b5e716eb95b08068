"""The documented examples run as written (docs/python.md and the README)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def python_blocks(path: Path, heading: str) -> list[str]:
    """The ```python blocks of the section under `heading` in a Markdown file."""
    text = path.read_text()
    section = text[text.index(heading) :]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.mark.parametrize(
    ("doc", "heading"),
    [("docs/python.md", "## A test in ten lines"), ("README.md", "## From Python")],
)
def test_the_documented_test_passes(pytester, doc, heading):
    pytest.importorskip("alibabacloud_rds20140815", reason="the CI installs the official SDK")
    [block] = python_blocks(REPO / doc, heading)
    pytester.makepyfile(test_documented=block)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
