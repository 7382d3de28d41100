"""Compile an operation into nested closures that execute it like graphql-core would.

The plan for one (document, operation, @skip/@include outcome) is a tree of closures:
one per field, each specialised at compile time for how the field resolves (an attribute
read, a Strawberry resolver called directly, or the field's graphql-core resolve function)
and how its value completes (leaf, object, abstract, list, non-null). Field collection,
fragment merging, literal arguments and `@skip`/`@include` are settled at compile time, so
a request pays only for resolving and building its answer.

The closures follow graphql-core's `Executor` step by step: the same resolvers called in the
same order, the same coroutines awaited together at the same points (without a task each, see
together.py; DataLoaders batch the same way), the same errors raised, located and propagated to
the nearest nullable parent, through the executor's own `handle_field_error`. Where a value is
unusual (an async iterable for a list, a generator) the closure hands that value to graphql-core's
`complete_value` in place.
"""

from __future__ import annotations

import datetime as dt
import decimal
import operator
import uuid
from collections.abc import Awaitable, Callable
from enum import Enum
from functools import cached_property
from types import CoroutineType
from typing import Any, cast

from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetailsList, collect_fields, collect_subfields
from graphql.execution.executor import invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.language import (
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    ValueNode,
    VariableNode,
)
from graphql.pyutils import Path, Undefined
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.info import Info as StrawberryInfo

from crm.graphql.engine.codegen import Field, InlineField, ObjectChecks, generate
from crm.graphql.engine.together import together

# A compiled field: (executor, source, parent path) -> completed value, or a coroutine of it.
FieldRunner = Callable[[Any, Any, Path | None], Any]
# A compiled completion: (executor, value, path, field path) -> completed value or a coroutine.
Completer = Callable[[Any, Any, Any, Any], Any]

_IMMUTABLE = (str, int, float, bool, type(None), Enum)
_complete_leaf_value = Executor.complete_leaf_value
is_awaitable = optimized_is_awaitable
# Exact types whose values are never awaitable (is_awaitable would say False after its checks);
# strawberry's own fast set plus the scalar values a schema returns most.
_NEVER_AWAITABLE = frozenset(
    {type(None), bool, int, float, str, bytes, list, tuple, dict, set, frozenset}
    | {dt.date, dt.datetime, dt.time, dt.timedelta, decimal.Decimal, uuid.UUID}
)
# Path is a NamedTuple: tuple.__new__ skips its generated Python-level __new__.
_new_path = tuple.__new__


class Unsupported(Exception):
    """The operation uses something the engine leaves to graphql-core."""


def _has_variables(node: ValueNode) -> bool:
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, ListValueNode):
        return any(_has_variables(v) for v in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_has_variables(f.value) for f in node.fields)
    return False


def _immutable(value: Any) -> bool:
    return isinstance(value, _IMMUTABLE)


async def _gather_fields(results: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    if len(keys) == 1:
        key = keys[0]
        results[key] = await results[key]
    else:
        # graphql-core's gather_with_cancel, without a task per field (see together.py).
        awaited = await together([results[k] for k in keys])
        results.update(zip(keys, awaited, strict=True))
    return results


async def _gather_item_fields(
    ex: Any, results: dict[str, Any], keys: list[str], handle: Callable[[Any, Exception, Path], None], path: Path
) -> dict[str, Any] | None:
    """`_await_completed(_gather_fields(...))` for a list item, as one coroutine."""
    try:
        if len(keys) == 1:
            key = keys[0]
            results[key] = await results[key]
        else:
            awaited = await together([results[k] for k in keys])
            results.update(zip(keys, awaited, strict=True))
    except Exception as raw_error:
        handle(ex, raw_error, path)
        return None
    return results


def _executor(
    name: str,
    fields: list[Field],
    item_handle: Callable[[Any, Exception, Path], None] | None,
    checks: ObjectChecks | None = None,
) -> Callable[..., Any]:
    """The generated function running an object's fields (codegen.py); with `checks`, completing it."""
    return generate(
        name,
        fields,
        never_awaitable=_NEVER_AWAITABLE,
        gather_fields=_gather_fields,
        gather_item_fields=_gather_item_fields,
        item_handle=item_handle,
        checks=checks,
    )


def execute_fields_serially(ex: Any, runners: list[tuple[str, FieldRunner]], source: Any) -> Any:
    """Run a mutation's top-level fields one after another."""
    results: dict[str, Any] = {}
    for index, (key, run) in enumerate(runners):
        result = run(ex, source, None)
        if type(result) is CoroutineType:
            return _continue_serially(ex, runners, source, results, index, result)
        results[key] = result
    return results


async def _continue_serially(
    ex: Any, runners: list[tuple[str, FieldRunner]], source: Any, results: dict[str, Any], index: int, pending: Any
) -> dict[str, Any]:
    results[runners[index][0]] = await pending
    for key, run in runners[index + 1 :]:
        result = run(ex, source, None)
        if type(result) is CoroutineType:
            result = await result
        results[key] = result
    return results


class Compiler:
    """Builds the closures of one plan; one instance per compiled (operation, conditions)."""

    def __init__(self, ex: Any, operation: OperationDefinitionNode) -> None:
        self.ex = ex
        self.schema: GraphQLSchema = ex.schema
        self.operation = operation
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        if strawberry_schema is None:
            raise Unsupported("not a Strawberry schema")
        self.config = strawberry_schema.config
        self.scalar_registry = strawberry_schema.schema_converter.scalar_registry
        self.exception_handlers = bool(getattr(strawberry_schema, "exception_handlers", ()))
        self.info_class = self.config.info_class

    # -- entry points -------------------------------------------------------------------------

    def compile_root(self) -> tuple[Callable[[Any, Any], Any], bool]:
        """Return (run(executor, root value), serially) for the operation."""
        operation_type = self.operation.operation
        if operation_type is OperationType.SUBSCRIPTION:
            raise Unsupported("subscription")
        root_type = self.schema.get_root_type(operation_type)
        if root_type is None:
            raise Unsupported("no root type")
        ex = self.ex
        try:
            collected = collect_fields(
                self.schema, ex.fragments, ex.variable_values, root_type, self.operation, ex.hide_suggestions
            )
        except RecursionError as exc:
            raise Unsupported("selections nested too deeply") from exc
        grouped, defer_usages, _ = collected
        if defer_usages:
            raise Unsupported("@defer")
        fields = self.compile_fields(root_type, grouped)
        if operation_type is OperationType.MUTATION:
            runners = [(f.key, f.run) for f in fields]
            return (lambda ex, root: execute_fields_serially(ex, runners, root)), True
        execute = _executor(root_type.name, fields, None)
        return (lambda ex, root: execute(ex, root, None)), False

    def compile_fields(self, parent_type: GraphQLObjectType, grouped: dict[str, FieldDetailsList]) -> list[Field]:
        fields: list[Field] = []
        for key, details in grouped.items():
            compiled = self.compile_field(parent_type, key, details)
            if compiled is not None:
                fields.append(compiled)
        return fields

    def compile_subfields(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> list[Field]:
        ex = self.ex
        collected = collect_subfields(
            self.schema, ex.fragments, ex.variable_values, self.operation, object_type, details, ex.hide_suggestions
        )
        grouped, defer_usages, _ = collected
        if defer_usages:
            raise Unsupported("@defer")
        return self.compile_fields(object_type, grouped)

    # -- fields -------------------------------------------------------------------------------

    def compile_field(self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList) -> Field | None:
        node = details[0].node
        name = node.name.value
        if any(d.fragment_variable_values is not None for d in details):
            raise Unsupported("fragment variables")
        if any(d.node.directives and any(x.name.value == "stream" for x in d.node.directives) for d in details):
            raise Unsupported("@stream")
        if name in ("__schema", "__type"):
            raise Unsupported("introspection")
        field_def = self.schema.get_field(parent_type, name)
        if field_def is None:
            return None  # graphql-core leaves the key out
        if name == "__typename":
            typename = parent_type.name
            return Field(key, lambda ex, source, path: typename, typename=typename)
        nodes = [d.node for d in details]
        return_type = field_def.type
        complete = self.compile_completer(return_type, field_def, nodes, parent_type, details)
        resolve = self.compile_resolver(field_def, nodes, parent_type, details)
        parent_name = parent_type.name
        handle = _error_handler(return_type, details)

        if resolve is None:
            # A Strawberry field without resolver: read the attribute, no info, no arguments.
            strawberry_field = field_def.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
            default_resolver = strawberry_field.default_resolver
            python_name = strawberry_field.python_name
            read: Callable[[Any], Any] = (
                operator.attrgetter(python_name)
                if default_resolver is getattr
                else (lambda source: default_resolver(source, python_name))
            )
            named = return_type.of_type if is_non_null_type(return_type) else return_type
            if is_leaf_type(named):

                def slow(ex: Any, value: Any, parent_path: Path | None) -> Any:
                    # A value read that is not its own answer (see codegen.py's fast paths).
                    if type(value) not in _NEVER_AWAITABLE and is_awaitable(value):
                        return _complete_awaitable(
                            ex, value, complete, handle, _new_path(Path, (parent_path, key, parent_name))
                        )
                    completed = complete(ex, value, None, None)
                    if type(completed) is CoroutineType:
                        return _await_completed(ex, completed, handle, _new_path(Path, (parent_path, key, parent_name)))
                    return completed

                def run_leaf(ex: Any, source: Any, parent_path: Path | None) -> Any:
                    try:
                        return slow(ex, read(source), parent_path)
                    except Exception as raw_error:
                        handle(ex, raw_error, _new_path(Path, (parent_path, key, parent_name)))
                        return None

                enum_class, enum_names = _enum_names(named)
                inline = InlineField(
                    attr=python_name,
                    read=read,
                    by_getattr=default_resolver is getattr,
                    fast=str if named in (GraphQLString, GraphQLID) else bool if named is GraphQLBoolean else None,
                    enum=None if enum_class is _NoEnum else enum_class,
                    names=enum_names or None,
                    complete=complete,
                    slow=slow,
                    handle=handle,
                    parent_name=parent_name,
                )
                return Field(key, run_leaf, inline)

            def run_attr(ex: Any, source: Any, parent_path: Path | None) -> Any:
                path = _new_path(Path, (parent_path, key, parent_name))
                try:
                    value = read(source)
                    if type(value) not in _NEVER_AWAITABLE and is_awaitable(value):
                        return _complete_awaitable(ex, value, complete, handle, path)
                    completed = complete(ex, value, path, path)
                    if type(completed) is CoroutineType:
                        return _await_completed(ex, completed, handle, path)
                    return completed
                except Exception as raw_error:
                    handle(ex, raw_error, path)
                    return None

            return Field(key, run_attr)

        def run_resolved(ex: Any, source: Any, parent_path: Path | None) -> Any:
            path = _new_path(Path, (parent_path, key, parent_name))
            try:
                result = resolve(ex, source, path)
                if type(result) is CoroutineType or (type(result) not in _NEVER_AWAITABLE and is_awaitable(result)):
                    return _complete_awaitable(ex, result, complete, handle, path)
                completed = complete(ex, result, path, path)
                if type(completed) is CoroutineType:
                    return _await_completed(ex, completed, handle, path)
                return completed
            except Exception as raw_error:
                handle(ex, raw_error, path)
                return None

        return Field(key, run_resolved)

    def compile_arguments(
        self, field_def: GraphQLField, details: FieldDetailsList
    ) -> tuple[Callable[[Any], dict[str, Any]], dict[str, Any] | None]:
        """Return (ex -> the field's coerced arguments, the arguments when they never change).

        Arguments given only as literals are coerced once, here, when their values are
        immutable; any other is coerced by each request, where graphql-core coerces it.
        """
        node = details[0].node
        if not (field_def.args or node.arguments):
            empty: dict[str, Any] = {}
            return (lambda ex: {}), empty
        if not any(_has_variables(a.value) for a in node.arguments or ()):
            try:
                fixed = get_argument_values(field_def, node, self.ex.variable_values, None, self.ex.hide_suggestions)
            except Exception:  # raised again, in its place, by every request
                fixed = None
            if fixed is not None and all(_immutable(v) for v in fixed.values()):
                constant = fixed
                return (lambda ex: dict(constant)), constant

        # Arguments with variables: coerced once per request (the same node and variables give the
        # same values), kept when every value is immutable, so each occurrence gets a fresh copy.
        token = object()

        def arguments(ex: Any) -> dict[str, Any]:
            cache = ex.argument_cache
            found = cache.get(token)
            if found is not None:
                return dict(found)
            coerced = get_argument_values(field_def, node, ex.variable_values, None, ex.hide_suggestions)
            if all(_immutable(v) for v in coerced.values()):
                cache[token] = coerced
                return dict(coerced)
            return coerced

        return arguments, None

    def compile_resolver(
        self,
        field_def: GraphQLField,
        nodes: list[Any],
        parent_type: GraphQLObjectType,
        details: FieldDetailsList,
    ) -> Callable[[Any, Any, Path], Any] | None:
        """Return how to resolve the field; None for an attribute read with no info and no arguments."""
        resolve_fn = field_def.resolve
        extensions = field_def.extensions or {}
        strawberry_field = extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        arguments, fixed_arguments = self.compile_arguments(field_def, details)
        if (
            resolve_fn is not None
            and strawberry_field is not None
            and getattr(resolve_fn, "__name__", "") == "_get_basic_result"
            and getattr(resolve_fn, "__qualname__", "").startswith("GraphQLCoreConverter.from_resolver")
        ):
            return None

        if (
            resolve_fn is not None
            and strawberry_field is not None
            and getattr(resolve_fn, "__name__", "") in ("_resolver", "_async_resolver")
            and getattr(resolve_fn, "__qualname__", "").startswith("GraphQLCoreConverter.from_resolver")
            and strawberry_field.base_resolver is not None
            and not strawberry_field.extensions
            and not strawberry_field.is_subscription
            and not self.exception_handlers
            and callable(strawberry_field.base_resolver.wrapped_func)
        ):
            return self._compile_strawberry_resolver(
                field_def, strawberry_field, nodes, parent_type, arguments, fixed_arguments
            )

        # Anything else (a graphql-core resolver, Strawberry field extensions or permission
        # classes, exception handlers): call the field's resolve function exactly as
        # graphql-core does, with a full GraphQLResolveInfo.
        resolver = resolve_fn or self.ex.field_resolver

        def resolve_generic(ex: Any, source: Any, path: Path) -> Any:
            info = ex.build_resolve_info(field_def, nodes, parent_type, path)
            return resolver(source, info, **arguments(ex))

        return resolve_generic

    def _compile_strawberry_resolver(
        self,
        field_def: GraphQLField,
        strawberry_field: Any,
        nodes: list[Any],
        parent_type: GraphQLObjectType,
        arguments: Callable[[Any], dict[str, Any]],
        fixed_arguments: dict[str, Any] | None,
    ) -> Callable[[Any, Any, Path], Any]:
        """Call a Strawberry resolver the way Strawberry's `_resolver`/`_async_resolver` would."""
        base = strawberry_field.base_resolver
        func = base.wrapped_func
        wants_self = base.self_parameter is not None
        parent_name = base.parent_parameter.name if base.parent_parameter is not None else None
        root_name = base.root_parameter.name if base.root_parameter is not None else None
        info_name = base.info_parameter.name if base.info_parameter is not None else None
        strawberry_arguments = strawberry_field.arguments
        config, registry, info_class = self.config, self.scalar_registry, self.info_class
        is_async = strawberry_field.is_async

        # Literal-only scalar arguments: convert once (conversion of immutable values is pure).
        converted: dict[str, Any] | None = None
        if strawberry_arguments:
            if fixed_arguments is not None:
                try:
                    fixed = convert_arguments(
                        dict(fixed_arguments), strawberry_arguments, scalar_registry=registry, config=config
                    )
                except Exception:  # raised again, in its place, by every request
                    fixed = None
                if fixed is not None and all(_immutable(v) for v in fixed.values()):
                    converted = fixed
        else:
            converted = {}
        needs_info = info_name is not None or (strawberry_arguments and converted is None)

        lazy_info = _lazy_info_class(info_class)
        site = (field_def, nodes, parent_type)
        new_info = object.__new__

        def resolve(ex: Any, source: Any, path: Path) -> Any:
            if needs_info:
                # A Strawberry Info whose GraphQLResolveInfo is built only if something reads more
                # than `info.context`.
                info: Any = new_info(lazy_info)
                info._ex = ex
                info._site = site
                info._path = path
                info._field = strawberry_field
            else:
                info = None
            if converted is not None:
                kwargs = dict(converted)
            else:
                try:
                    kwargs = convert_arguments(
                        arguments(ex), strawberry_arguments, scalar_registry=registry, config=config, info=info
                    )
                except Exception as exc:
                    if is_async:
                        return _raise_later(exc)  # Strawberry converts inside the coroutine
                    raise
            if parent_name is not None:
                kwargs[parent_name] = source
            if root_name is not None:
                kwargs[root_name] = source
            if info_name is not None:
                kwargs[info_name] = info
            if wants_self:
                return func(source, **kwargs)
            return func(**kwargs)

        return resolve

    # -- completion ---------------------------------------------------------------------------

    def compile_completer(
        self,
        return_type: Any,
        field_def: GraphQLField,
        nodes: list[Any],
        parent_type: GraphQLObjectType,
        details: FieldDetailsList,
        item_handle: Callable[[Any, Exception, Path], None] | None = None,
    ) -> Completer:
        """How to complete a value of `return_type`.

        `item_handle`: the value is a list item of object type; a coroutine the completer returns
        handles its own errors with it at the item's path (no wrapper coroutine per item).
        """
        message = f"Cannot return null for non-nullable field {parent_type}.{nodes[0].name.value}."
        if is_non_null_type(return_type):
            inner_type = return_type.of_type
            if is_object_type(inner_type):
                return self.compile_object(
                    inner_type,
                    field_def,
                    nodes,
                    parent_type,
                    details,
                    checked=False,
                    item_handle=item_handle,
                    non_null_message=message,
                )
            inner = self.compile_completer(inner_type, field_def, nodes, parent_type, details, item_handle)

            def complete_non_null(ex: Any, value: Any, path: Any, field_path: Any) -> Any:
                completed = inner(ex, value, path, field_path)
                if completed is None:
                    raise TypeError(message)
                return completed

            if is_leaf_type(inner_type):
                coerce = inner_type.coerce_output_value
                fast = (
                    str if inner_type in (GraphQLString, GraphQLID) else bool if inner_type is GraphQLBoolean else None
                )

                enum_class, enum_names = _enum_names(inner_type)

                def complete_non_null_leaf(ex: Any, value: Any, path: Any, field_path: Any) -> Any:
                    if type(value) is fast:
                        return value
                    if type(value) is enum_class:
                        return enum_names[value]
                    if isinstance(value, Exception):
                        raise value
                    if value is None or value is Undefined:
                        raise TypeError(message)
                    coerced = coerce(value)
                    if coerced is None or coerced is Undefined:
                        return _complete_leaf_value(inner_type, value)  # raises graphql-core's error
                    return coerced

                return complete_non_null_leaf
            return complete_non_null

        if is_leaf_type(return_type):
            coerce = return_type.coerce_output_value
            fast = str if return_type in (GraphQLString, GraphQLID) else bool if return_type is GraphQLBoolean else None

            enum_class, enum_names = _enum_names(return_type)

            def complete_leaf(ex: Any, value: Any, path: Any, field_path: Any) -> Any:
                if type(value) is fast:
                    return value
                if type(value) is enum_class:
                    return enum_names[value]
                if isinstance(value, Exception):
                    raise value
                if value is None or value is Undefined:
                    return None
                coerced = coerce(value)
                if coerced is None or coerced is Undefined:
                    return _complete_leaf_value(return_type, value)
                return coerced

            return complete_leaf

        if is_list_type(return_type):
            list_type = return_type
            item_type = list_type.of_type
            item_handle = _error_handler(item_type, details)
            named_item = item_type.of_type if is_non_null_type(item_type) else item_type
            item_needs_path = not is_leaf_type(named_item)
            # Object items: their coroutines handle their own errors (see compile_object).
            handled = is_object_type(named_item)
            item = self.compile_completer(
                item_type, field_def, nodes, parent_type, details, item_handle if handled else None
            )

            def complete_list(ex: Any, value: Any, path: Any, field_path: Any) -> Any:
                if isinstance(value, Exception):
                    raise value
                if value is None or value is Undefined:
                    return None
                if type(value) is not list and type(value) is not tuple:
                    info = ex.build_resolve_info(field_def, nodes, parent_type, field_path)
                    return ex.complete_value(list_type, details, info, path, value, None)
                completed: list[Any] = []
                append = completed.append
                awaitable_indices: list[int] = []
                try:
                    for index, element in enumerate(value):
                        item_path = _new_path(Path, (path, index, None)) if item_needs_path else None
                        if type(element) not in _NEVER_AWAITABLE and is_awaitable(element):
                            item_path = item_path or _new_path(Path, (path, index, None))
                            append(_complete_awaitable(ex, element, item, item_handle, item_path, field_path))
                            awaitable_indices.append(index)
                            continue
                        try:
                            done = item(ex, element, item_path, field_path)
                            if type(done) is CoroutineType:
                                append(done if handled else _await_completed(ex, done, item_handle, item_path))
                                awaitable_indices.append(index)
                            else:
                                append(done)
                        except Exception as raw_error:
                            item_handle(ex, raw_error, item_path or _new_path(Path, (path, index, None)))
                            append(None)
                except Exception:
                    if awaitable_indices:
                        ex.settle_in_background([completed[i] for i in awaitable_indices])
                    raise
                if not awaitable_indices:
                    return completed
                return _gather_items(completed, awaitable_indices)

            return complete_list

        if is_abstract_type(return_type):
            abstract_type = return_type
            per_type: dict[str, Completer] = {}

            def object_completer(runtime_type: GraphQLObjectType) -> Completer:
                found = per_type.get(runtime_type.name)
                if found is None:
                    found = per_type[runtime_type.name] = self.compile_object(
                        runtime_type, field_def, nodes, parent_type, details, checked=True
                    )
                return found

            def complete_abstract(ex: Any, value: Any, path: Any, field_path: Any) -> Any:
                if isinstance(value, Exception):
                    raise value
                if value is None or value is Undefined:
                    return None
                info = ex.build_resolve_info(field_def, nodes, parent_type, field_path)
                resolve_type = abstract_type.resolve_type or ex.type_resolver
                runtime_type_name: Any = resolve_type(value, info, abstract_type)
                if is_awaitable(runtime_type_name):
                    return _complete_abstract_async(
                        ex, runtime_type_name, abstract_type, details, info, value, path, object_completer
                    )
                runtime_type = ex.ensure_valid_runtime_type(runtime_type_name, abstract_type, details, info, value)
                return object_completer(runtime_type)(ex, value, path, info)

            return complete_abstract

        if is_object_type(return_type):
            return self.compile_object(
                return_type, field_def, nodes, parent_type, details, checked=False, item_handle=item_handle
            )
        raise Unsupported(f"output type {return_type}")

    def compile_object(
        self,
        object_type: GraphQLObjectType,
        field_def: GraphQLField,
        nodes: list[Any],
        parent_type: GraphQLObjectType,
        details: FieldDetailsList,
        *,
        checked: bool,
        item_handle: Callable[[Any, Exception, Path], None] | None = None,
        non_null_message: str | None = None,
    ) -> Completer:
        """Complete an object value; `checked`: the value is known non-null (after resolve_type).

        After resolve_type the last argument is the field's info rather than its path.
        `non_null_message`: the value is of a non-null type (None is this error).
        """
        fields = self.compile_subfields(object_type, details)
        execute = _executor(object_type.name, fields, item_handle)
        is_type_of: Any = object_type.is_type_of
        qualname = getattr(is_type_of, "__qualname__", "")
        # Strawberry's own is_type_of ignores info: do not build one for it.
        info_free = "GraphQLCoreConverter" in qualname and "is_type_of" in qualname

        def complete_async(ex: Any, matches: Any, value: Any, path: Path) -> Any:
            # is_type_of answered with an awaitable.
            pending = _complete_object_async(ex, matches, object_type, value, details, execute, path)
            return pending if item_handle is None else _await_completed(ex, pending, item_handle, path)

        if is_type_of is None or info_free:
            checks = ObjectChecks(
                null_check=not checked,
                non_null=non_null_message,
                is_type_of=is_type_of,
                is_awaitable=is_awaitable,
                on_awaitable=complete_async,
                invalid=lambda value: invalid_return_type_error(object_type, value, details),
            )
            return _executor(object_type.name, fields, item_handle, checks)

        def complete_object(ex: Any, value: Any, path: Path, field_path: Any) -> Any:
            # An is_type_of that may read its info.
            if not checked:
                if isinstance(value, Exception):
                    raise value
                if value is None or value is Undefined:
                    return None
            info = field_path if checked else ex.build_resolve_info(field_def, nodes, parent_type, field_path)
            matches: Any = is_type_of(value, info)
            if is_awaitable(matches):
                return complete_async(ex, matches, value, path)
            if not matches:
                raise invalid_return_type_error(object_type, value, details)
            return execute(ex, value, path)

        if non_null_message is None:
            return complete_object

        def complete_non_null_object(ex: Any, value: Any, path: Any, field_path: Any) -> Any:
            completed = complete_object(ex, value, path, field_path)
            if completed is None:
                raise TypeError(non_null_message)
            return completed

        return complete_non_null_object


class _NoEnum:
    """Stands for "not an enum type": no value's type is this class."""


def _enum_names(leaf_type: Any) -> tuple[type, dict[Any, str]]:
    """For a Strawberry enum type: (its Python enum class, each member's serialized name).

    Strawberry's `coerce_output_value` scans the enum's values comparing `.value` on every call;
    the names are the same for a member every time, so they are taken from it once here.
    """
    wrapped = getattr(leaf_type, "wrapped_cls", None)
    if not (isinstance(wrapped, type) and issubclass(wrapped, Enum)):
        return _NoEnum, {}
    try:
        names = {member: leaf_type.coerce_output_value(member) for member in wrapped}
    except Exception:  # a member the type cannot serialize: leave every value to the type
        return _NoEnum, {}
    if not all(type(name) is str for name in names.values()):
        return _NoEnum, {}
    return wrapped, names


_LAZY_INFO_CLASSES: dict[type, type] = {}


def _lazy_info_class(info_class: type) -> type:
    """A subclass of the schema's Info class building its GraphQLResolveInfo on first use."""
    found = _LAZY_INFO_CLASSES.get(info_class)
    if found is not None:
        return found

    def _raw_info(self: Any) -> Any:
        field_def, nodes, parent_type = self._site
        return self._ex.build_resolve_info(field_def, nodes, parent_type, self._path)

    namespace: dict[str, Any] = {"_raw_info": cached_property(_raw_info), "__module__": info_class.__module__}
    if info_class.context is StrawberryInfo.context:  # type: ignore[attr-defined]
        # Reads the request's context without building the GraphQLResolveInfo.
        namespace["context"] = property(lambda self: self._ex.context_value)
    found = _LAZY_INFO_CLASSES[info_class] = type(info_class.__name__, (info_class,), namespace)
    return found


def _error_handler(return_type: GraphQLOutputType, details: FieldDetailsList) -> Callable[[Any, Exception, Path], None]:
    def handle(ex: Any, raw_error: Exception, path: Path) -> None:
        ex.handle_field_error(raw_error, return_type, details, path)

    return handle


async def _raise_later(exc: Exception) -> Any:
    raise exc


async def _complete_awaitable(
    ex: Any,
    result: Awaitable[Any],
    complete: Completer,
    handle: Callable[[Any, Exception, Path], None],
    path: Path,
    field_path: Path | None = None,
) -> Any:
    try:
        resolved = await result
        completed = complete(ex, resolved, path, field_path or path)
        if type(completed) is CoroutineType:
            completed = await completed
    except Exception as raw_error:
        handle(ex, raw_error, path)
        completed = None
    return completed


async def _await_completed(
    ex: Any, completed: Awaitable[Any], handle: Callable[[Any, Exception, Path], None], path: Path | None
) -> Any:
    try:
        return await completed
    except Exception as raw_error:
        handle(ex, raw_error, cast(Path, path))
        return None


async def _gather_items(completed: list[Any], indices: list[int]) -> list[Any]:
    if len(indices) == 1:
        index = indices[0]
        completed[index] = await completed[index]
    else:
        awaited = await together([completed[i] for i in indices])
        for index, value in zip(indices, awaited, strict=True):
            completed[index] = value
    return completed


async def _complete_abstract_async(
    ex: Any,
    pending: Awaitable[Any],
    abstract_type: Any,
    details: FieldDetailsList,
    info: Any,
    value: Any,
    path: Path,
    object_completer: Callable[[GraphQLObjectType], Completer],
) -> Any:
    runtime_type = ex.ensure_valid_runtime_type(await pending, abstract_type, details, info, value)
    completed = object_completer(runtime_type)(ex, value, path, info)
    if type(completed) is CoroutineType:
        return await completed
    return completed


async def _complete_object_async(
    ex: Any,
    pending: Awaitable[Any],
    object_type: GraphQLObjectType,
    value: Any,
    details: FieldDetailsList,
    execute: Callable[[Any, Any, Path | None], Any],
    path: Path,
) -> Any:
    if not await pending:
        raise invalid_return_type_error(object_type, value, details)
    completed = execute(ex, value, path)
    if type(completed) is CoroutineType:
        return await completed
    return completed


__all__ = ["Compiler", "GraphQLError", "Unsupported"]
