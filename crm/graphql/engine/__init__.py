"""Compiled execution: each GraphQL operation runs from closures built once for it.

Knows graphql-core and Strawberry, never a domain: it works for any Strawberry schema, plugged in
as the schema's `execution_context_class`. graphql-core's executor is the reference its tests
compare against, and what runs whatever the engine does not cover. See README.md here.
"""

from crm.graphql.engine.executor import (
    AcyclicExecutor,
    CompiledExecutor,
    EngineStats,
    PlanCache,
    compiled_executor_class,
)

__all__ = ["AcyclicExecutor", "CompiledExecutor", "EngineStats", "PlanCache", "compiled_executor_class"]
