"""`together(coroutines)` behaves like graphql-core's `gather_with_cancel`, inside the awaiting task.

Most scenarios run twice, once through `together` and once through `gather_with_cancel` (a Task per
coroutine), and assert the same observable outcome for both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
from graphql.pyutils import gather_with_cancel
from strawberry.dataloader import DataLoader

from crm.graphql.engine.together import together

Runner = Callable[[list[Coroutine[Any, Any, Any]]], Awaitable[list[Any]]]

HANG = 2.0  # seconds after which a scenario counts as deadlocked


async def _with_together(coroutines: list[Coroutine[Any, Any, Any]]) -> list[Any]:
    return await together(coroutines)


async def _with_gather(coroutines: list[Coroutine[Any, Any, Any]]) -> list[Any]:
    return await gather_with_cancel(*coroutines)


RUNNERS: dict[str, Runner] = {"together": _with_together, "gather_with_cancel": _with_gather}


@pytest.fixture(params=list(RUNNERS))
def run(request: pytest.FixtureRequest) -> Runner:
    """The same scenario through `together` and through graphql-core's `gather_with_cancel`."""
    return RUNNERS[request.param]


def _resolve_later(delay: float, value: Any) -> asyncio.Future[Any]:
    """A future that gets `value` after `delay` seconds (unless it was cancelled by then)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def resolve() -> None:
        if not future.done():
            future.set_result(value)

    loop.call_later(delay, resolve)
    return future


# --- results -------------------------------------------------------------------------------------


async def test_results_come_back_in_the_order_of_the_coroutines(run: Runner) -> None:
    # given coroutines whose futures resolve in the reverse order
    async def value_after(delay: float, value: str) -> str:
        return await _resolve_later(delay, value)

    coroutines = [value_after(0.03, "a"), value_after(0.02, "b"), value_after(0.01, "c")]

    # when they are awaited together
    results = await asyncio.wait_for(run(coroutines), HANG)

    # then each result sits at its coroutine's position
    assert results == ["a", "b", "c"]


async def test_coroutines_that_never_suspend(run: Runner) -> None:
    # given coroutines that return without awaiting anything that suspends
    async def plain(value: int) -> int:
        return value * 2

    # when they are awaited together
    results = await run([plain(1), plain(2), plain(3)])

    # then their results come back in order
    assert results == [2, 4, 6]


async def test_coroutines_that_never_suspend_mixed_with_ones_that_do(run: Runner) -> None:
    # given a mix of coroutines that suspend and ones that do not
    async def plain(value: str) -> str:
        return value

    async def suspending(value: str) -> str:
        return await _resolve_later(0.01, value)

    # when they are awaited together
    results = await asyncio.wait_for(run([suspending("a"), plain("b"), suspending("c"), plain("d")]), HANG)

    # then every result is there, in order
    assert results == ["a", "b", "c", "d"]


async def test_an_empty_list(run: Runner) -> None:
    # given no coroutines
    # when they are awaited together
    results = await run([])

    # then the result is an empty list
    assert results == []


async def test_a_single_coroutine(run: Runner) -> None:
    # given one coroutine that suspends twice
    async def twice() -> str:
        first = await _resolve_later(0.005, "x")
        second = await _resolve_later(0.005, "y")
        return first + second

    # when it is awaited together
    results = await asyncio.wait_for(run([twice()]), HANG)

    # then its result comes back in a one-item list
    assert results == ["xy"]


async def test_a_single_coroutine_that_raises(run: Runner) -> None:
    # given one coroutine that raises after suspending
    async def failing() -> None:
        await asyncio.sleep(0)
        raise ValueError("only")

    # when it is awaited together
    # then its exception reaches the awaiter
    with pytest.raises(ValueError, match="only"):
        await run([failing()])


async def test_a_coroutine_raising_before_suspending(run: Runner) -> None:
    # given one coroutine that raises in its first step, and one that is still waiting afterwards
    log: list[str] = []

    async def failing() -> None:
        log.append("failing started")
        raise ValueError("at once")

    async def waiting() -> None:
        log.append("waiting started")
        try:
            await _resolve_later(0.5, None)
        except asyncio.CancelledError:
            log.append("waiting cancelled")
            raise

    # when they are awaited together
    with pytest.raises(ValueError, match="at once"):
        await asyncio.wait_for(run([failing(), waiting()]), HANG)

    # then both took their first step, and the one still waiting was cancelled
    assert log == ["failing started", "waiting started", "waiting cancelled"]


# --- DataLoader batching ------------------------------------------------------------------------


async def _two_level_loads(run: Runner, width: int) -> tuple[list[Any], list[tuple[str, list[int]]]]:
    """Each coroutine loads from a first loader, then from a second with what it got."""
    batches: list[tuple[str, list[int]]] = []

    async def load_first(keys: list[int]) -> list[int]:
        batches.append(("first", list(keys)))
        return [key * 10 for key in keys]

    async def load_second(keys: list[int]) -> list[int]:
        batches.append(("second", list(keys)))
        return [key + 1 for key in keys]

    first = DataLoader(load_fn=load_first)
    second = DataLoader(load_fn=load_second)

    async def resolve(key: int) -> int:
        middle = await first.load(key)
        return await second.load(middle)

    results = await asyncio.wait_for(run([resolve(key) for key in range(width)]), HANG)
    return results, batches


async def test_dataloader_keys_of_all_coroutines_land_in_one_batch_per_level(run: Runner) -> None:
    # given coroutines that each load from one DataLoader, then from a second one
    # when they are awaited together
    results, batches = await _two_level_loads(run, width=4)

    # then each loader's load_fn is called once, with the keys of all the coroutines
    assert results == [1, 11, 21, 31]
    assert batches == [("first", [0, 1, 2, 3]), ("second", [0, 10, 20, 30])]


async def test_dataloader_batches_are_the_same_as_with_gather_with_cancel() -> None:
    # given the same two-level loading scenario
    # when it runs through together and through gather_with_cancel
    with_together = await _two_level_loads(_with_together, width=5)
    with_gather = await _two_level_loads(_with_gather, width=5)

    # then the results and the batches (keys and their order) are the same
    assert with_together == with_gather


async def test_nested_together_batches_across_levels(run: Runner) -> None:
    # given list items whose fields are themselves awaited together (as the engine nests them),
    # each field loading from a shared DataLoader
    batches: list[list[str]] = []

    async def load(keys: list[str]) -> list[str]:
        batches.append(list(keys))
        return [key.upper() for key in keys]

    loader = DataLoader(load_fn=load)

    async def field(item: int, name: str) -> str:
        return await loader.load(f"{name}{item}")

    async def item(index: int) -> list[str]:
        return await run([field(index, "a"), field(index, "b")])

    # when the items are awaited together
    results = await asyncio.wait_for(run([item(0), item(1), item(2)]), HANG)

    # then every field's key went into one single batch
    assert results == [["A0", "B0"], ["A1", "B1"], ["A2", "B2"]]
    assert batches == [["a0", "b0", "a1", "b1", "a2", "b2"]]


# --- bare yields --------------------------------------------------------------------------------


async def test_bare_yields_mixed_with_coroutines_waiting_on_futures(run: Runner) -> None:
    # given a coroutine that yields bare (asyncio.sleep(0)) several times and others waiting on futures
    steps: list[int] = []

    async def yielding() -> str:
        for step in range(5):
            steps.append(step)
            await asyncio.sleep(0)
        return "yielded"

    async def waiting(delay: float, value: str) -> str:
        return await _resolve_later(delay, value)

    # when they are awaited together
    results = await asyncio.wait_for(run([waiting(0.02, "w1"), yielding(), waiting(0.01, "w2")]), HANG)

    # then all of them complete
    assert results == ["w1", "yielded", "w2"]
    assert steps == [0, 1, 2, 3, 4]


async def test_bare_yields_let_the_loop_run(run: Runner) -> None:
    # given a coroutine polling, with bare yields, for a flag a loop callback sets,
    # next to one waiting on a future
    loop = asyncio.get_running_loop()
    flag: list[bool] = []
    loop.call_later(0.01, flag.append, True)

    async def polling() -> int:
        polls = 0
        while not flag:
            polls += 1
            await asyncio.sleep(0)
        return polls

    async def waiting() -> str:
        return await _resolve_later(0.005, "w")

    # when they are awaited together
    polls, waited = await asyncio.wait_for(run([polling(), waiting()]), HANG)

    # then the loop ran its callbacks between the polls, so the polling ended
    assert polls > 0
    assert waited == "w"


async def test_only_bare_yields(run: Runner) -> None:
    # given coroutines that only ever yield bare, a different number of times each
    async def yielding(times: int) -> int:
        for _ in range(times):
            await asyncio.sleep(0)
        return times

    # when they are awaited together
    results = await asyncio.wait_for(run([yielding(3), yielding(0), yielding(1)]), HANG)

    # then all of them complete
    assert results == [3, 0, 1]


# --- futures completing in another order --------------------------------------------------------


async def test_coroutines_resume_as_their_futures_complete(run: Runner) -> None:
    # given coroutines whose futures are set by timers in the reverse order of the coroutines
    resumed: list[int] = []

    async def waiting(index: int, delay: float) -> int:
        value = await _resolve_later(delay, index * 100)
        resumed.append(index)
        return value

    # when they are awaited together
    results = await asyncio.wait_for(run([waiting(0, 0.03), waiting(1, 0.02), waiting(2, 0.01)]), HANG)

    # then every result is right, and each coroutine resumed when its own future completed
    assert results == [0, 100, 200]
    assert resumed == [2, 1, 0]


async def test_an_earlier_coroutine_waiting_on_a_later_one_does_not_deadlock(run: Runner) -> None:
    # given coroutine 0 waiting on a future that coroutine 1 sets only after its own await
    loop = asyncio.get_running_loop()
    handoff: asyncio.Future[str] = loop.create_future()
    order: list[str] = []

    async def first() -> str:
        value = await handoff
        order.append("first resumed")
        return value

    async def second() -> str:
        await _resolve_later(0.01, None)
        order.append("second progressed")
        handoff.set_result("from second")
        await _resolve_later(0.01, None)
        order.append("second done")
        return "second"

    # when they are awaited together
    results = await asyncio.wait_for(run([first(), second()]), HANG)

    # then coroutine 0 resumed before coroutine 1 finished, and both results are there
    assert results == ["from second", "second"]
    assert order == ["second progressed", "first resumed", "second done"]


async def test_a_chain_of_handoffs_against_the_order(run: Runner) -> None:
    # given coroutine i waiting on a future that coroutine i + 1 sets after its own wait
    loop = asyncio.get_running_loop()
    count = 4
    handoffs: list[asyncio.Future[int]] = [loop.create_future() for _ in range(count)]

    async def link(index: int) -> int:
        value = await handoffs[index] if index < count - 1 else await _resolve_later(0.01, 0)
        if index > 0:
            handoffs[index - 1].set_result(value + 1)
        return value

    # when they are awaited together
    results = await asyncio.wait_for(run([link(index) for index in range(count)]), HANG)

    # then the values travelled down the chain
    assert results == [3, 2, 1, 0]


# --- a shared asyncio.Lock ----------------------------------------------------------------------


async def test_a_lock_held_across_an_await_while_another_waits_for_it(run: Runner) -> None:
    # given a lock that one coroutine holds across an await while another waits to acquire it
    lock = asyncio.Lock()
    order: list[str] = []

    async def holder() -> str:
        async with lock:
            order.append("holder acquired")
            await _resolve_later(0.01, None)
            order.append("holder releasing")
        return "holder"

    async def waiter() -> str:
        await asyncio.sleep(0)  # the holder takes the lock first
        assert lock.locked()
        async with lock:
            order.append("waiter acquired")
            await asyncio.sleep(0)
        return "waiter"

    # when they are awaited together
    results = await asyncio.wait_for(run([holder(), waiter()]), HANG)

    # then both finish, one after the other
    assert results == ["holder", "waiter"]
    assert order == ["holder acquired", "holder releasing", "waiter acquired"]
    assert not lock.locked()


async def test_a_lock_contended_by_several_coroutines(run: Runner) -> None:
    # given several coroutines that each take a shared lock across awaits
    lock = asyncio.Lock()
    inside: list[int] = []
    overlaps: list[int] = []

    async def worker(index: int) -> int:
        async with lock:
            if inside:
                overlaps.append(index)
            inside.append(index)
            await _resolve_later(0.002, None)
            await asyncio.sleep(0)
            inside.remove(index)
        return index

    # when they are awaited together
    results = await asyncio.wait_for(run([worker(index) for index in range(4)]), HANG)

    # then all finish and the lock was never held twice at once
    assert results == [0, 1, 2, 3]
    assert overlaps == []


# --- the first exception ------------------------------------------------------------------------


async def test_the_first_exception_cancels_the_others_that_are_still_running(run: Runner) -> None:
    # given one coroutine that finished, one that fails later, and two still waiting when it does
    loop = asyncio.get_running_loop()
    log: list[str] = []
    waited_on: asyncio.Future[None] = loop.create_future()

    async def finished() -> str:
        try:
            await asyncio.sleep(0)
            return "finished"
        finally:
            log.append("finished: ended")

    async def failing() -> None:
        await _resolve_later(0.01, None)
        raise ValueError("boom")

    async def waiting() -> None:
        try:
            await waited_on
        except asyncio.CancelledError:
            log.append("waiting: cancelled")
            raise
        log.append("waiting: resumed")

    async def yielding() -> None:
        try:
            while True:  # noqa: ASYNC110 - yielding bare, forever, is the point
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            log.append("yielding: cancelled")
            raise

    # when they are awaited together
    # then the exception reaches the awaiter
    with pytest.raises(ValueError, match="boom"):
        await asyncio.wait_for(run([finished(), failing(), waiting(), yielding()]), HANG)

    # and the ones still running got CancelledError, the future waited on is cancelled,
    # and the one that had finished was not touched
    assert sorted(log) == ["finished: ended", "waiting: cancelled", "yielding: cancelled"]
    assert waited_on.cancelled()


async def test_the_exception_is_raised_once_the_cancelled_ones_have_ended(run: Runner) -> None:
    # given a coroutine that, cancelled, awaits once more to clean up before ending
    log: list[str] = []

    async def failing() -> None:
        await _resolve_later(0.01, None)
        raise ValueError("boom")

    async def cleaning_up() -> None:
        try:
            await _resolve_later(1, None)
        except asyncio.CancelledError:
            log.append("cancelled")
            await _resolve_later(0.01, None)
            log.append("cleaned up")
            raise

    # when they are awaited together
    with pytest.raises(ValueError, match="boom"):
        await asyncio.wait_for(run([cleaning_up(), failing()]), HANG)

    # then the clean-up had run to its end by the time the exception arrived
    assert log == ["cancelled", "cleaned up"]


async def test_a_cancelled_coroutine_that_swallows_the_cancellation(run: Runner) -> None:
    # given a coroutine that catches CancelledError and returns normally
    log: list[str] = []

    async def failing() -> None:
        await _resolve_later(0.01, None)
        raise ValueError("boom")

    async def swallowing() -> str:
        try:
            await _resolve_later(1, None)
        except asyncio.CancelledError:
            await asyncio.sleep(0)
            log.append("swallowed")
        return "swallowed"

    # when they are awaited together
    # then the first exception is still raised, after the coroutine ended
    with pytest.raises(ValueError, match="boom"):
        await asyncio.wait_for(run([swallowing(), failing()]), HANG)
    assert log == ["swallowed"]


async def test_two_failing_in_the_same_wake_up_raise_the_first_in_order(run: Runner) -> None:
    # given two coroutines that fail when the same future completes, and a third still waiting
    loop = asyncio.get_running_loop()
    gate: asyncio.Future[None] = loop.create_future()
    log: list[str] = []

    async def failing(error: Exception) -> None:
        await gate
        log.append(f"raising {type(error).__name__}")
        raise error

    async def waiting() -> None:
        try:
            await _resolve_later(1, None)
        except asyncio.CancelledError:
            log.append("waiting cancelled")
            raise

    loop.call_later(0.01, gate.set_result, None)

    # when they are awaited together
    # then the exception of the first of them in order is raised
    with pytest.raises(KeyError):
        await asyncio.wait_for(run([failing(KeyError("first")), failing(LookupError("second")), waiting()]), HANG)

    # and both failing ones took their step before the waiting one was cancelled
    assert log == ["raising KeyError", "raising LookupError", "waiting cancelled"]


async def test_first_exception_outcome_matches_gather_with_cancel() -> None:
    # given the same failing scenario, run through together and through gather_with_cancel
    async def scenario(runner: Runner) -> tuple[str, list[str]]:
        loop = asyncio.get_running_loop()
        gate: asyncio.Future[None] = loop.create_future()
        log: list[str] = []

        async def ok() -> str:
            await asyncio.sleep(0)
            log.append("ok done")
            return "ok"

        async def failing(error: Exception) -> None:
            await gate
            raise error

        async def waiting(name: str) -> None:
            try:
                await _resolve_later(1, None)
            except asyncio.CancelledError:
                log.append(f"{name} cancelled")
                raise

        loop.call_later(0.01, gate.set_result, None)
        try:
            await asyncio.wait_for(
                runner([ok(), waiting("w1"), failing(ValueError("a")), failing(TypeError("b")), waiting("w2")]), HANG
            )
        except Exception as error:
            return f"{type(error).__name__}: {error}", sorted(log)
        return "no error", sorted(log)

    # when each runs
    with_together = await scenario(_with_together)
    with_gather = await scenario(_with_gather)

    # then the same error is raised and the same coroutines were cancelled
    assert with_together == with_gather == ("ValueError: a", ["ok done", "w1 cancelled", "w2 cancelled"])


# --- cancelling the awaiting task ---------------------------------------------------------------


async def test_cancelling_the_awaiting_task_cancels_every_running_coroutine(run: Runner) -> None:
    # given a task awaiting coroutines that wait on futures, yield bare, or clean up with an await
    loop = asyncio.get_running_loop()
    log: list[str] = []
    started = loop.create_future()
    waited_on: asyncio.Future[None] = loop.create_future()

    async def finished() -> str:
        return "finished"

    async def waiting() -> None:
        try:
            if not started.done():
                started.set_result(None)
            await waited_on
        except asyncio.CancelledError:
            log.append("waiting cancelled")
            raise

    async def yielding() -> None:
        try:
            while True:  # noqa: ASYNC110 - yielding bare, forever, is the point
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            log.append("yielding cancelled")
            raise

    async def cleaning_up() -> str:
        try:
            await _resolve_later(1, None)
        except asyncio.CancelledError:
            log.append("cleaning up cancelled")
            await _resolve_later(0.01, None)
            log.append("cleaning up done")
        return "cleaned"

    async def awaiter() -> list[Any]:
        return await run([finished(), waiting(), yielding(), cleaning_up()])

    task = asyncio.create_task(awaiter())
    await started
    await asyncio.sleep(0.01)

    # when the task is cancelled
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=HANG)
    await asyncio.sleep(0.05)  # gather_with_cancel's tasks may still be cleaning up

    # then every running coroutine got CancelledError, the one cleaning up ran to its end,
    # the future waited on is cancelled, and the task ended cancelled
    assert done == {task}
    assert task.cancelled()
    assert sorted(log) == ["cleaning up cancelled", "cleaning up done", "waiting cancelled", "yielding cancelled"]
    assert waited_on.cancelled()


async def test_cancelled_awaiting_task_ends_only_after_every_coroutine_ended() -> None:
    # given a task awaiting, with together, coroutines that clean up with an await when cancelled
    # (gather_with_cancel lets the awaiting task end as soon as one of its tasks is cancelled)
    log: list[str] = []

    async def cleaning_up(name: str, delay: float) -> None:
        try:
            await _resolve_later(1, None)
        except asyncio.CancelledError:
            await _resolve_later(delay, None)
            await asyncio.sleep(0)
            log.append(name)
            raise

    async def quick() -> None:
        await _resolve_later(1, None)

    async def awaiter() -> list[Any]:
        return await together([quick(), cleaning_up("a", 0.02), cleaning_up("b", 0.01)])

    task = asyncio.create_task(awaiter())
    await asyncio.sleep(0.01)

    # when the task is cancelled
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=HANG)

    # then by the time the task ended cancelled, both clean-ups had run to their end
    assert done == {task}
    assert task.cancelled()
    assert log == ["b", "a"]


async def test_cancelling_the_awaiting_task_with_one_coroutine_left(run: Runner) -> None:
    # given a task awaiting two coroutines, one finished, the other still waiting
    log: list[str] = []

    async def finished() -> str:
        await asyncio.sleep(0)
        return "finished"

    async def waiting() -> None:
        try:
            await _resolve_later(1, None)
        except asyncio.CancelledError:
            log.append("cancelled")
            await asyncio.sleep(0)
            log.append("cleaned up")
            raise

    async def awaiter() -> list[Any]:
        return await run([finished(), waiting()])

    task = asyncio.create_task(awaiter())
    await asyncio.sleep(0.01)

    # when the task is cancelled
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=HANG)

    # then the one still waiting got CancelledError and finished, and the task ended cancelled
    assert done == {task}
    assert task.cancelled()
    assert log == ["cancelled", "cleaned up"]


async def test_cancelling_the_awaiting_task_while_coroutines_only_yield_bare(run: Runner) -> None:
    # given a task awaiting coroutines that only yield bare, forever
    log: list[int] = []

    async def spinning(index: int) -> None:
        try:
            while True:  # noqa: ASYNC110 - yielding bare, forever, is the point
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            log.append(index)
            raise

    async def awaiter() -> list[Any]:
        return await run([spinning(0), spinning(1)])

    task = asyncio.create_task(awaiter())
    await asyncio.sleep(0.01)

    # when the task is cancelled
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=HANG)

    # then both got CancelledError and the task ended cancelled
    assert done == {task}
    assert task.cancelled()
    assert sorted(log) == [0, 1]


async def test_a_timeout_around_the_awaiter_cancels_the_coroutines(run: Runner) -> None:
    # given coroutines that would wait much longer than a timeout around them
    log: list[str] = []

    async def waiting(name: str) -> None:
        try:
            await _resolve_later(1, None)
        except asyncio.CancelledError:
            log.append(name)
            raise

    # when the awaiter runs them under asyncio.timeout
    # then the timeout is raised, after every coroutine got CancelledError
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await run([waiting("a"), waiting("b")])
    assert sorted(log) == ["a", "b"]


# --- the task the coroutines run in -------------------------------------------------------------


async def test_coroutines_run_in_the_awaiting_task() -> None:
    # given coroutines that note the current task before and after suspending
    seen: list[asyncio.Task[Any] | None] = []

    async def noting(delay: float) -> None:
        seen.append(asyncio.current_task())
        await _resolve_later(delay, None)
        seen.append(asyncio.current_task())
        await asyncio.sleep(0)
        seen.append(asyncio.current_task())

    async def awaiter() -> None:
        await together([noting(0.01), noting(0.005), noting(0)])

    # when a task awaits them together
    task = asyncio.create_task(awaiter())
    await asyncio.wait_for(task, HANG)

    # then the current task inside them was always the awaiting task
    assert len(seen) == 9
    assert set(seen) == {task}


async def test_no_task_is_created_per_coroutine() -> None:
    # given coroutines that suspend on futures
    before = len(asyncio.all_tasks())
    counts: list[int] = []

    async def counting() -> None:
        await _resolve_later(0.005, None)
        counts.append(len(asyncio.all_tasks()))

    # when they are awaited together
    await asyncio.wait_for(together([counting(), counting(), counting()]), HANG)

    # then no extra task existed while they ran (wait_for adds the one awaiting together)
    assert counts
    assert max(counts) <= before + 1


async def test_a_nested_together_is_cancelled_when_a_sibling_fails(run: Runner) -> None:
    # given: an item whose two fields are awaited together, beside a sibling that fails
    log: list[str] = []

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    async def slow(name: str) -> None:
        try:
            await asyncio.sleep(0.2)
            log.append(f"{name} finished")
        except asyncio.CancelledError:
            log.append(f"{name} cancelled")
            raise

    async def inner() -> list[Any]:
        return await run([slow("c"), slow("d")])

    async def other() -> None:
        await asyncio.sleep(0.3)

    # when / then: the error is raised and the nested coroutines were cancelled, not run to their end
    with pytest.raises(ValueError, match="boom"):
        await asyncio.wait_for(run([failing(), inner(), other()]), 2)
    assert sorted(log) == ["c cancelled", "d cancelled"]


async def test_a_nested_together_is_cancelled_with_the_awaiting_task(run: Runner) -> None:
    # given: a task awaiting a nested together
    log: list[str] = []

    async def slow(name: str, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            log.append(f"{name} finished")
        except asyncio.CancelledError:
            log.append(f"{name} cancelled")
            raise

    async def inner() -> list[Any]:
        return await run([slow("c", 0.2), slow("d", 0.2)])

    async def awaiter() -> list[Any]:
        return await run([inner(), slow("e", 0.3)])

    task = asyncio.create_task(awaiter())
    await asyncio.sleep(0.01)
    # when
    task.cancel()
    await asyncio.wait([task], timeout=2)
    await asyncio.sleep(0.3)
    # then: every coroutine, nested or not, was cancelled
    assert task.cancelled()
    assert sorted(log) == ["c cancelled", "d cancelled", "e cancelled"]


async def test_a_coroutine_that_may_go_on_waits_one_turn_of_the_loop(run: Runner) -> None:
    # given: a callback scheduled before a bare yield, and a sibling woken meanwhile
    loop = asyncio.get_running_loop()
    seen: list[str] = []
    wake = loop.create_future()

    async def yielding() -> list[str]:
        await asyncio.sleep(0.01)
        loop.call_soon(seen.append, "callback")
        wake.set_result(None)
        await asyncio.sleep(0)
        return list(seen)

    async def waiting() -> str:
        await wake
        return "woken"

    # when
    results = await asyncio.wait_for(run([yielding(), waiting()]), 2)
    # then: the callback ran before the coroutine went on, as with a task
    assert results == [["callback"], "woken"]


async def test_coroutines_handing_futures_to_each_other_do_not_starve_the_loop(run: Runner) -> None:
    # given: two coroutines completing each other's futures until a timer fires
    loop = asyncio.get_running_loop()
    stop = {"now": False}
    loop.call_later(0.01, stop.__setitem__, "now", True)
    futures = [loop.create_future()]

    async def player(turn: int) -> int:
        handoffs = 0
        while not stop["now"]:
            if len(futures) % 2 == turn:
                nxt = loop.create_future()
                futures.append(nxt)
                futures[-2].set_result(None)
                handoffs += 1
            await futures[-1]
            if handoffs > 200_000:
                break
        futures[-1].done() or futures[-1].set_result(None)
        return handoffs

    # when
    results = await asyncio.wait_for(run([player(0), player(1)]), 5)
    # then: the timer fired (the loop got its turns) long before the guard
    assert stop["now"] and max(results) < 200_000
