"""The executor class Strawberry hands to graphql-core: compiled plans first, graphql-core otherwise."""

from __future__ import annotations

import logging
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import CoroutineType
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfoHelpers
from graphql.execution.executor import CollectedErrors
from graphql.execution.incremental import IncrementalExecutor
from graphql.language import ArgumentNode, DirectiveNode, Node, OperationDefinitionNode, VariableNode, visit
from graphql.language.visitor import Visitor
from graphql.pyutils import is_awaitable as default_is_awaitable
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from crm.graphql.engine.compiler import Compiler, Unsupported

log = logging.getLogger("crm.graphql.engine")

RootRunner = Callable[[Any, Any], Any]


@dataclass
class EngineStats:
    """What the engine did since the process started (or since `reset`)."""

    compiled: int = 0  # operations run from a plan
    compilations: int = 0  # plans built
    fallbacks: Counter[str] = field(default_factory=Counter)  # operations left to graphql-core, by reason

    @property
    def fallback_total(self) -> int:
        return sum(self.fallbacks.values())

    def reset(self) -> None:
        self.compiled = 0
        self.compilations = 0
        self.fallbacks.clear()


@dataclass(frozen=True, slots=True)
class _Plan:
    run: RootRunner
    serially: bool


@dataclass(slots=True)
class _Shape:
    """What one operation of one document needs to choose its plan: the variables of @skip/@include."""

    operation: OperationDefinitionNode
    condition_variables: tuple[str, ...]
    plans: dict[tuple[Any, ...], _Plan | str] = field(default_factory=dict)  # str: why it falls back


class PlanCache:
    """A bounded LRU of compiled operations, keyed by schema, document text and operation."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._shapes: OrderedDict[tuple[Any, ...], _Shape] = OrderedDict()

    def __len__(self) -> int:
        return len(self._shapes)

    def clear(self) -> None:
        self._shapes.clear()

    def shape(self, schema: Any, operation: OperationDefinitionNode, fragments: Iterable[Node]) -> _Shape:
        loc = operation.loc
        # The document's text identifies it (and its fragments); without locations, the node does.
        key = (schema, loc.source.body, loc.start) if loc is not None else (schema, id(operation))
        shapes = self._shapes
        found = shapes.get(key)
        if found is not None and (loc is not None or found.operation is operation):
            shapes.move_to_end(key)
            return found
        found = _Shape(operation, _condition_variables(operation, fragments))
        shapes[key] = found
        if len(shapes) > self.maxsize:
            shapes.popitem(last=False)
        return found


class _ConditionVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        if node.name.value in ("skip", "include"):
            for argument in node.arguments or ():
                self._collect(argument)

    def _collect(self, argument: ArgumentNode) -> None:
        if isinstance(argument.value, VariableNode):
            self.names.add(argument.value.name.value)


def _condition_variables(operation: OperationDefinitionNode, fragments: Iterable[Node]) -> tuple[str, ...]:
    """Variables deciding an @skip/@include in the operation or any fragment of its document."""
    visitor = _ConditionVariables()
    for node in (operation, *fragments):
        visit(node, visitor)
    return tuple(sorted(visitor.names))


class AcyclicExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, leaving no reference cycle behind a request.

    graphql-core's resolver helpers (`async_helpers`) hold bound methods of the executor, which
    holds the helpers: a cycle through which each request's executor, context, session, loaders
    and rows could only be freed by the garbage collector (about 500 objects per agenda request,
    a tenth of its CPU in collections at 16 clients). Held weakly, they are freed by reference
    counting when the request ends; so is an answer's errors' traceback, once the response is
    built. The schema uses this class with the engine off too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self, "gather_async_work"), track=_weakly(self, "track_async_work")
        )

    def build_response(self, data: dict[str, Any] | None) -> Any:
        response = super().build_response(data)
        if self.collected_errors.errors:
            # An error's traceback holds frames that hold this executor, which would hold the
            # error: the answer has the errors now, so the executor lets go of them.
            self.collected_errors = CollectedErrors()
        return response


class CompiledExecutor(AcyclicExecutor):
    """graphql-core's executor, running each operation from a plan compiled on first use.

    Subclass it with `compiled_executor_class` to give a schema its own cache. Requests the
    engine does not cover run through graphql-core unchanged and are counted in `stats`.
    """

    plan_cache: PlanCache = PlanCache(512)
    stats: EngineStats = EngineStats()

    def execute_operation(self, serially: bool | None = None) -> Any:
        plan_or_reason = self._plan()
        if isinstance(plan_or_reason, str):
            self.stats.fallbacks[plan_or_reason] += 1
            return super().execute_operation(serially)
        plan = plan_or_reason
        if serially is not None and serially != plan.serially:
            self.stats.fallbacks["serially"] += 1
            return super().execute_operation(serially)
        self.stats.compiled += 1
        self.argument_cache: dict[object, dict[str, Any]] = {}
        try:
            result = plan.run(self, self.root_value)
            if type(result) is CoroutineType:
                return self._await_result(result)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        return self.build_response(result)

    async def _await_result(self, result: Any) -> Any:
        try:
            data = await result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        return self.build_response(data)

    def _plan(self) -> _Plan | str:
        """The plan for this request, or why graphql-core runs it."""
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return "middleware"
        if self.abort_signal is not None or self.hooks is not None:
            return "abort signal or hooks"
        if not self.error_propagation:
            return "error propagation disabled"
        if self.is_awaitable not in (optimized_is_awaitable, default_is_awaitable):
            return "custom is_awaitable"
        if any(f.variable_signatures is not None for f in self.fragments.values()):
            return "fragment variables"
        shape = self.plan_cache.shape(self.schema, self.operation, self.fragment_definitions.values())
        coerced = self.variable_values.coerced
        conditions = tuple(coerced.get(name) for name in shape.condition_variables)
        if any(type(c) is not bool for c in conditions):
            return "@skip/@include without a boolean"
        plan = shape.plans.get(conditions)
        if plan is None:
            plan = shape.plans[conditions] = self._compile()
        return plan

    def _compile(self) -> _Plan | str:
        try:
            run, serially = Compiler(self, self.operation).compile_root()
        except Unsupported as exc:
            return str(exc)
        except GraphQLError:
            return "error while compiling"  # graphql-core reports it, in its place
        self.stats.compilations += 1
        return _Plan(run, serially)


def _weakly(executor: Any, name: str) -> Callable[..., Any]:
    """The executor's method `name`, without keeping the executor alive."""
    method = weakref.WeakMethod(getattr(executor, name))

    def call(*args: Any, **kwargs: Any) -> Any:
        bound = method()
        if bound is None:
            raise RuntimeError("the execution this helper belongs to has ended")
        return bound(*args, **kwargs)

    return call


def compiled_executor_class(maxsize: int = 512) -> type[CompiledExecutor]:
    """A CompiledExecutor subclass with its own plan cache and stats (one per schema)."""
    return type(
        "CompiledExecutor",
        (CompiledExecutor,),
        {"plan_cache": PlanCache(maxsize), "stats": EngineStats(), "__module__": __name__},
    )


__all__ = [
    "AcyclicExecutor",
    "CompiledExecutor",
    "EngineStats",
    "IncrementalExecutor",
    "PlanCache",
    "compiled_executor_class",
]
