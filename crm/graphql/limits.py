"""Query limits, checked on the document before anything runs (no SQL, no sign-in lookup).

Depth, aliases and cost are measured with fragments expanded, so spreading one
fragment many times, or nesting spreads, counts for what it will execute; a
fragment cycle is refused here rather than walked forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
    value_from_ast_untyped,
)
from graphql.error import GraphQLSyntaxError

from crm.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds a document must stay within."""

    max_tokens: int = 4000
    max_depth: int = 12
    max_aliases: int = 40
    max_cost: int = 100_000
    introspection: bool = True


class LimitExceeded(Exception):
    """A document is refused before execution; `code` goes to extensions.code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


LIST_ESTIMATE = 10  # rows assumed for a list field without a size argument (open callbacks, stores...)
INTROSPECTION = frozenset({"__schema", "__type"})


@lru_cache(maxsize=512)
def parse_limited(query: str, max_tokens: int) -> Any:
    """Parse a document, refusing one with too many tokens before building it (cached)."""
    try:
        return parse(query, max_tokens=max_tokens)
    except GraphQLSyntaxError as exc:
        if "tokens. Parsing aborted" in exc.message:
            raise LimitExceeded(f"The document has more than {max_tokens} tokens.", "QUERY_TOO_LARGE") from exc
        return None  # a plain syntax error: validation reports it


def _unwrap(type_: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        if isinstance(type_, GraphQLList):
            is_list = True
        type_ = type_.of_type
    return type_, is_list


def _int_argument(node: FieldNode, name: str, variables: Mapping[str, Any], default: int) -> int:
    for argument in node.arguments or ():
        if argument.name.value != name:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            raw: Any = variables.get(value.name.value, default)
            return int(raw) if isinstance(raw, int) and not isinstance(raw, bool) else default
        return default
    return default


@dataclass
class _Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        limits: Limits,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limits = limits
        self.measure = _Measure()

    def walk(
        self, selection_set: SelectionSetNode, parent: Any, depth: int, multiplier: int, path: tuple[str, ...]
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._field(selection, parent, depth, multiplier, path)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.get_type(selection.type_condition.name.value) or parent
                self.walk(selection.selection_set, target, depth, multiplier, path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in path:
                    raise LimitExceeded(f"Fragment {name} spreads itself.", "GRAPHQL_VALIDATION_FAILED")
                fragment = self.fragments.get(name)
                if fragment is None:
                    continue  # validation reports the unknown fragment
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                self.walk(fragment.selection_set, target, depth, multiplier, (*path, name))

    def _field(self, node: FieldNode, parent: Any, depth: int, multiplier: int, path: tuple[str, ...]) -> None:
        name = node.name.value
        measure, limits = self.measure, self.limits
        if name in INTROSPECTION and not limits.introspection:
            raise LimitExceeded("Introspection is disabled.", "INTROSPECTION_DISABLED")
        if node.alias is not None:
            measure.aliases += multiplier
            if measure.aliases > limits.max_aliases:
                raise LimitExceeded(f"The document uses more than {limits.max_aliases} aliases.", "TOO_MANY_ALIASES")
        measure.depth = max(measure.depth, depth)
        if depth > limits.max_depth:
            raise LimitExceeded(f"The document nests deeper than {limits.max_depth} levels.", "QUERY_TOO_DEEP")
        measure.cost += multiplier
        if measure.cost > limits.max_cost:
            raise LimitExceeded(
                f"The document would resolve more than {limits.max_cost} fields; ask for smaller pages.",
                "QUERY_TOO_COSTLY",
            )
        if node.selection_set is None or name.startswith("__"):
            return
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        if definition is None:
            if isinstance(parent, GraphQLUnionType) or parent is None:
                self.walk(node.selection_set, None, depth + 1, multiplier, path)
            return  # unknown field: validation reports it
        child, is_list = _unwrap(definition.type)
        size = 1
        if "first" in definition.args:
            size = _int_argument(node, "first", self.variables, DEFAULT_PAGE_SIZE) or 0
            if not 0 <= size <= MAX_PAGE_SIZE:
                raise LimitExceeded(f"first must be between 0 and {MAX_PAGE_SIZE}.", "INVALID_PAGE_SIZE")
        elif "limit" in definition.args:
            default = definition.args["limit"].default_value
            size = (
                _int_argument(node, "limit", self.variables, default if isinstance(default, int) else LIST_ESTIMATE)
                or 0
            )
        elif is_list and not parent.name.endswith("Connection"):
            size = LIST_ESTIMATE  # a connection's edges are already counted by its `first`
        self.walk(node.selection_set, child, depth + 1, multiplier * max(size, 1), path)


def check(
    schema: GraphQLSchema,
    query: str,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    limits: Limits,
) -> None:
    """Raise LimitExceeded when the operation to run breaks a limit; return quietly otherwise."""
    document = parse_limited(query, limits.max_tokens)
    if document is None:
        return
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [d for d in operations if d.name is not None and d.name.value == operation_name]
    for operation in operations[:1] if len(operations) == 1 or operation_name else operations:
        root = schema.get_root_type(operation.operation)
        defaults = {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        walker = _Walker(schema, fragments, {**defaults, **(variables or {})}, limits)
        walker.walk(operation.selection_set, root, 1, 1, ())


def hide_suggestions(error: GraphQLError) -> str:
    """A validation message without "Did you mean ...?" (which would reveal the schema in production)."""
    message = error.message
    cut = message.find(" Did you mean")
    return message[:cut] if cut >= 0 else message
