"""Await several coroutines side by side inside the current task, without a task for each.

graphql-core awaits an object's async fields and a list's async items with `gather_with_cancel`:
one asyncio Task per coroutine, a gather future, a done-callback per task. A resolver here
mostly does one thing: ask a DataLoader and wait for the batch. `together(coroutines)` steps
the coroutines itself, in order, where and when their tasks would have been stepped:

- the first steps come after one turn of the loop (tasks start in the next turn, after the
  callbacks already due, such as a DataLoader's dispatch), all of them in order, so their
  DataLoader keys land in the same batches;
- a coroutine that may go on (its future is done, or it yielded a bare `None`) is stepped after
  one turn of the loop, as its task would be woken; when none may, the current task waits until
  one of the futures they wait on is done, then steps, in order, every coroutine whose future is
  done (as the tasks woken by one batch all run in the same turn);
- when one raises, the ones already due in the same pass still take their step (their tasks
  would have), then the rest are cancelled like `Task.cancel()` does (the future each waits on
  is cancelled, or CancelledError is thrown in), run to their end, and the first error is
  raised: what `gather_with_cancel` does;
- when the task running `together` is cancelled (the future it waits on is cancelled), the
  cancellation goes to every coroutine still running, nested `together`s included, and
  CancelledError is raised once they have all ended.

Coroutines run in the caller's task and context, so `asyncio.current_task()` inside them is the
caller's. One consequence: `asyncio.timeout()` inside one of them cancels the caller's task, so
all of them (`asyncio.wait_for`, which runs its awaitable in a task of its own, does not). No
resolver in this project uses either. Nothing here knows about GraphQL.
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
        waits: list[Any] = [_AGAIN] * count  # per coroutine: a future, _AGAIN (to step) or _DONE
        throw: list[BaseException | None] = [None] * count  # what to throw in at the next step
        running = count
        error: BaseException | None = None
        cancelling = False
        # Tasks take their first step in the next turn of the loop, after the callbacks already
        # due (a DataLoader's dispatch, say): so do these.
        try:
            yield None
        except BaseException as exc:
            error, cancelling = _cancelled(error, exc, cancelling, waits, throw)
        due: list[int] = list(range(count))
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
            try:
                if any(w is _AGAIN or (w is not _DONE and w.done()) for w in waits):
                    # A woken task runs in the next turn of the loop, after the callbacks already
                    # due: one turn, then every coroutine that may go on.
                    yield None
                else:
                    yield from _any_done([w for w in waits if w is not _DONE])
            except BaseException as exc:  # the task running this is being cancelled
                error, cancelling = _cancelled(error, exc, cancelling, waits, throw)
            due = [i for i, w in enumerate(waits) if w is _AGAIN or (w is not _DONE and w.done())]
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
    if wake.cancelled():
        # Task.cancel() cancels the future its task waits on: this one. The coroutines are told.
        raise CancelledError()
