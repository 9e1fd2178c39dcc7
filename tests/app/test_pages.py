"""Every page runs on the sample partnership without an exception, error or traceback."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

PAGES = [
    "Common picture",
    "Explore",
    "Submit an extract",
    "Data quality and timeliness",
    "Standards",
]


def messages(at: AppTest) -> str:
    """Every error, warning, success and info text on the page, for assertions."""
    return "\n".join(str(e.value) for e in (*at.error, *at.warning, *at.success, *at.info))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user", ["demo-analyst", "demo-leadership", "demo-bolton_council"])
def test_every_page_runs_without_an_error(
    open_page: Callable[..., AppTest], page: str, user: str
) -> None:
    at = open_page(page, user)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, messages(at)
    assert at.title[0].value == page
    assert "synthetic" in messages(at)  # the demo-data banner is on every page
