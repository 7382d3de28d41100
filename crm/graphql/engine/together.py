"""Await several coroutines side by side inside the current task, without a task for each.

graphql-core awaits an object's async fields and a list's async items with `gather_with_cancel`:
one asyncio Task per coroutine, a gather future, a done-callback per task. A resolver here
mostly does one thing: ask a DataLoader and wait for the batch. `together(coroutines)` steps
the coroutines itself, in order, the way their tasks would have been stepped:

- every coroutine takes its first step before anything else runs (as tasks created together
  all run their first step in the next turn of the loop), so their DataLoader keys land in the
  same batches;
- when none can go on, the current task waits until any of the futures they wait on is done,
  then steps, in order, every coroutine whose future is done (as the tasks woken by one batch all
  run in the same turn of the loop);
- a coroutine yielding a bare `None` (`asyncio.sleep(0)`) is stepped again after one turn;
- when one raises, the ones already due in the same pass still take their step (their tasks
  would have), then the rest are cancelled like `Task.cancel()` does (the future each waits on
  is cancelled, CancelledError is thrown in), run to their end, and the first error is raised:
  what `gather_with_cancel` does;
- when the task running `together` is cancelled, the cancellation goes to every coroutine still
  running, and CancelledError is raised once they have all ended.

Coroutines run in the caller's task and context, so `asyncio.current_task()` inside them is the
caller's. Nothing here knows about GraphQL.
"""

from __future__ import annotations

from asyncio import CancelledError, get_running_loop
from collections.abc import Coroutine, Generator
from typing import Any

_DONE = object()  # the coroutine has ended
_AGAIN = object()  # it yielded None: step it again after one turn of the loop


class together:
    """An awaitable of the coroutines' results, in order; see the module."""

    __slots__ = ("coroutines",)

    def __init__(self, coroutines: list[Coroutine[Any, Any, Any]]) -> None:
        self.coroutines = coroutines

    def __await__(self) -> Generator[Any, None, list[Any]]:
        coroutines = self.coroutines
        count = len(coroutines)
        results: list[Any] = [None] * count
        waits: list[Any] = [None] * count  # per coroutine: a future, _AGAIN or _DONE
        throw: list[BaseException | None] = [None] * count  # what to throw in at the next step
        running = count
        due: list[int] = list(range(count))
        error: BaseException | None = None
        cancelling = False
        while True:
            failed = False
            for index in due:
                coroutine = coroutines[index]
                pending = throw[index]
                try:
                    if pending is None:
                        yielded = coroutine.send(None)
                    else:
                        throw[index] = None
                        yielded = coroutine.throw(pending)
                except StopIteration as stop:
                    results[index] = stop.value
                    waits[index] = _DONE
                    running -= 1
                    continue
                except BaseException as exc:
                    waits[index] = _DONE
                    running -= 1
                    if error is None:
                        error = exc
                    failed = True
                    continue
                if yielded is None:
                    waits[index] = _AGAIN
                elif getattr(yielded, "_asyncio_future_blocking", False):
                    yielded._asyncio_future_blocking = False
                    waits[index] = yielded
                else:
                    # What Task.__step does with anything else.
                    waits[index] = _AGAIN
                    throw[index] = RuntimeError(f"Task got bad yield: {yielded!r}")
            if running == 0:
                break
            if failed and not cancelling:
                cancelling = True
                _cancel(waits, throw)
            due = [i for i in range(count) if waits[i] is not _DONE and waits[i] is not _AGAIN and waits[i].done()]
            again = [i for i in range(count) if waits[i] is _AGAIN]
            if again:
                if not due:
                    try:
                        yield None  # one turn of the loop, as Task does for a bare yield
                    except BaseException as exc:
                        error, cancelling = _cancelled(error, exc, cancelling, waits, throw)
                    due = [i for i in range(count) if waits[i] is not _DONE and (waits[i] is _AGAIN or waits[i].done())]
                    continue
                due = sorted(due + again)
                continue
            if due:
                continue
            try:
                yield from _any_done([waits[i] for i in range(count) if waits[i] is not _DONE])
            except BaseException as exc:
                error, cancelling = _cancelled(error, exc, cancelling, waits, throw)
                due = [i for i in range(count) if waits[i] is not _DONE and (waits[i] is _AGAIN or waits[i].done())]
                continue
            due = [i for i in range(count) if waits[i] is not _DONE and waits[i].done()]
        if error is not None:
            raise error
        return results


def _cancel(waits: list[Any], throw: list[BaseException | None]) -> None:
    """Task.cancel() for every coroutine still running: cancel its future, or throw at its next step."""
    for index, wait in enumerate(waits):
        if wait is _DONE:
            continue
        if wait is _AGAIN or not wait.cancel():
            throw[index] = CancelledError()
        # A cancelled future makes its coroutine raise CancelledError when it is stepped.


def _cancelled(
    error: BaseException | None,
    exc: BaseException,
    cancelling: bool,
    waits: list[Any],
    throw: list[BaseException | None],
) -> tuple[BaseException | None, bool]:
    if not cancelling:
        _cancel(waits, throw)
    return (error if error is not None else exc), True


def _any_done(futures: list[Any]) -> Generator[Any, None, None]:
    """Wait, in the current task, until one of the futures is done."""
    if len(futures) == 1:
        only = futures[0]
        only._asyncio_future_blocking = True
        yield only
        return
    wake = get_running_loop().create_future()

    def done(_: Any) -> None:
        if not wake.done():
            wake.set_result(None)

    for future in futures:
        future.add_done_callback(done)
    try:
        wake._asyncio_future_blocking = True
        yield wake
    finally:
        for future in futures:
            future.remove_done_callback(done)
