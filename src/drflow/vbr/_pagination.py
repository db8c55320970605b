"""Walking ``skip``/``limit`` lists to the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from .models import Page

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 200


def paginate(
    fetch: Callable[[int, int], Page[T]],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    first: Page[T] | None = None,
) -> Iterator[T]:
    """Yield every item of a list, page by page.

    ``fetch(skip, limit)`` returns one page; ``first``, the first page when the caller has it
    already. Walking stops at ``pagination.total``, or at an empty page; a short page (fewer
    items than asked, total not reached) is followed by the next one, since servers may cap a
    page below the ``limit`` asked for.
    """
    skip = 0
    page = first if first is not None else fetch(skip, page_size)
    while True:
        yield from page.data
        skip += len(page.data)
        if not page.data or skip >= page.pagination.total:
            return
        page = fetch(skip, page_size)
