"""paginate(): stops at the total, survives short pages, never loops forever."""

from __future__ import annotations

from drflow.vbr import paginate
from drflow.vbr.models import Page, PaginationResult


def server(items: list[int], cap: int | None = None, total: int | None = None):
    calls: list[tuple[int, int]] = []

    def fetch(skip: int, limit: int) -> Page[int]:
        calls.append((skip, limit))
        size = min(limit, cap) if cap else limit
        data = items[skip : skip + size]
        return Page[int](
            data=data,
            pagination=PaginationResult(
                total=len(items) if total is None else total,
                count=len(data),
                skip=skip,
                limit=limit,
            ),
        )

    return fetch, calls


def test_walks_every_page_and_stops_at_total() -> None:
    fetch, calls = server(list(range(5)))
    assert list(paginate(fetch, page_size=2)) == [0, 1, 2, 3, 4]
    assert calls == [(0, 2), (2, 2), (4, 2)]


def test_short_pages_are_followed() -> None:
    fetch, calls = server(list(range(10)), cap=3)
    assert list(paginate(fetch, page_size=5)) == list(range(10))
    assert [skip for skip, _ in calls] == [0, 3, 6, 9]


def test_exact_multiple_needs_no_extra_call() -> None:
    fetch, calls = server(list(range(4)))
    assert list(paginate(fetch, page_size=2)) == [0, 1, 2, 3]
    assert len(calls) == 2


def test_empty_page_ends_even_if_total_lies() -> None:
    fetch, calls = server([1, 2], total=10)
    assert list(paginate(fetch, page_size=2)) == [1, 2]
    assert len(calls) == 2


def test_empty_list() -> None:
    fetch, calls = server([])
    assert list(paginate(fetch)) == []
    assert len(calls) == 1
