"""GraphQL over HTTP: POST and GET, application/json and application/graphql-response+json."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from graphql.error import GraphQLSyntaxError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from crm.auth.actor import Unauthenticated
from crm.auth.service import authenticate
from crm.db import SerialSession
from crm.errors import RequestError
from crm.graphql.context import Context
from crm.graphql.limits import LimitExceeded, Limits, hide_suggestions
from crm.graphql.limits import check as check_limits
from crm.graphql.schema import CrmSchema

log = logging.getLogger("crm.graphql")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
MASKED_MESSAGE = "Unexpected error."
BUSY_MESSAGE = "The server is busy; try again in a moment."
PUBLIC_FIELDS = frozenset({"login", "__typename"})
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# Deadlock detected, serialization failure, lock not available (lock_timeout): retrying may succeed.
RETRYABLE = frozenset({"40P01", "40001", "55P03"})
TRY_AGAIN_MESSAGE = "Someone was changing the same records at the same moment; nothing was saved. Try again."
NUL_IN_TEXT = "22021"  # PostgreSQL text cannot hold U+0000; a filter string carrying one is the client's error


class BadRequest(Exception):
    """The HTTP request is not a well-formed GraphQL request."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def _media_type(accept: str) -> str | None:
    """Choose the response media type from an Accept header (None: nothing acceptable)."""
    if not accept.strip():
        return JSON
    offered = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in offered:
        return GRAPHQL_RESPONSE
    if JSON in offered or "application/*" in offered or "*/*" in offered:
        return JSON
    return None


@dataclass(frozen=True, slots=True)
class _Operation:
    kind: OperationType
    root_fields: frozenset[str]


def _root_fields(selections: Any, fragments: dict[str, FragmentDefinitionNode], seen: set[str]) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= _root_fields(selection.selection_set.selections, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                seen.add(selection.name.value)
                names |= _root_fields(fragment.selection_set.selections, fragments, seen)
    return names


@lru_cache(maxsize=512)
def _operation(query: str, operation_name: str | None) -> _Operation | None:
    """Tell which kind of operation a document would run and its root fields (None: it does not parse)."""
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name and definition.name.value == operation_name)
        ):
            fields = _root_fields(definition.selection_set.selections, fragments, set())
            return _Operation(definition.operation, frozenset(fields))
    return None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _params(raw: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    if not isinstance(raw, dict):
        raise BadRequest("The request body must be a JSON object.")
    query = raw.get("query")
    variables = raw.get("variables")
    operation_name = raw.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("The request must carry a `query` string.")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be a JSON object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string.")
    return query, variables, operation_name


class GraphQLHandler:
    """Starlette endpoint executing GraphQL requests against the CRM schema."""

    def __init__(
        self,
        schema: CrmSchema,
        sessionmaker: async_sessionmaker[SerialSession] | None,
        *,
        debug: bool,
        max_body_bytes: int,
        graphiql_html: str | None,
        limits: Limits | None = None,
    ) -> None:
        self.schema = schema
        self.sessionmaker = sessionmaker
        self.debug = debug
        self.max_body_bytes = max_body_bytes
        self.graphiql_html = graphiql_html
        self.limits = limits or Limits(introspection=debug)

    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request to the GraphQL endpoint."""
        media_type = _media_type(request.headers.get("accept", ""))
        try:
            if request.method == "GET" and "query" not in request.query_params:
                if self.graphiql_html and "text/html" in request.headers.get("accept", ""):
                    return HTMLResponse(self.graphiql_html)
                raise BadRequest("Send a `query` parameter, or POST a JSON body.")
            if media_type is None:
                raise BadRequest(f"Accept {GRAPHQL_RESPONSE} or {JSON}.", status=406)
            query, variables, operation_name = await self._read(request)
        except BadRequest as exc:
            return self._respond({"errors": [{"message": str(exc)}]}, media_type or JSON, exc.status, exc.headers)
        return await self._execute(query, variables, operation_name, media_type, _bearer(request))

    async def _read(self, request: Request) -> tuple[str, dict[str, Any] | None, str | None]:
        if request.method == "GET":
            params = request.query_params
            variables: Any = None
            if params.get("variables"):
                try:
                    variables = orjson.loads(params["variables"])
                except orjson.JSONDecodeError as exc:
                    raise BadRequest("`variables` is not valid JSON.") from exc
            query, variables, operation_name = _params(
                {"query": params.get("query"), "variables": variables, "operationName": params.get("operationName")}
            )
            operation = _operation(query, operation_name)
            if operation is not None and operation.kind is not OperationType.QUERY:
                raise BadRequest("Only queries may be sent with GET; use POST.", status=405, headers={"Allow": "POST"})
            return query, variables, operation_name
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise BadRequest(f"POST a body of type {JSON}.", status=415)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise BadRequest(f"The body is larger than {self.max_body_bytes} bytes.", status=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body_bytes:
                raise BadRequest(f"The body is larger than {self.max_body_bytes} bytes.", status=413)
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("The body is not valid JSON.") from exc
        return _params(raw)

    def _public(self, operation: _Operation | None) -> bool:
        """Whether a document may run without signing in: `login` only (and introspection in development)."""
        if operation is None:
            return True  # it does not parse: execution reports the syntax error, nothing runs
        allowed = PUBLIC_FIELDS | (INTROSPECTION_FIELDS if self.debug else frozenset())
        return operation.root_fields <= allowed

    async def _execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        media_type: str,
        token: str | None,
    ) -> Response:
        if self.sessionmaker is None:
            raise RuntimeError("the app's lifespan has not started")
        try:
            check_limits(self.schema._schema, query, variables, operation_name, self.limits)
        except LimitExceeded as exc:
            refused = {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}
            return self._respond(refused, media_type, 200 if media_type == JSON else 400)
        operation = _operation(query, operation_name)
        try:
            return await self._run(query, variables, operation_name, media_type, token, operation)
        except PoolTimeout:
            # Every connection is busy for longer than the pool waits: shed the load cleanly.
            busy = {"errors": [{"message": BUSY_MESSAGE, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}
            return self._respond(busy, media_type, 503, {"Retry-After": "1"})

    async def _run(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        media_type: str,
        token: str | None,
        operation: _Operation | None,
    ) -> Response:
        assert self.sessionmaker is not None
        async with self.sessionmaker() as session:
            context = Context(session=session)
            actor = await authenticate(session, token) if token else None
            if actor is None and not self._public(operation):
                error = Unauthenticated()
                refusal = {"errors": [{"message": str(error), "extensions": {"code": error.code}}]}
                return self._respond(refusal, media_type, 401, {"WWW-Authenticate": "Bearer"})
            if actor is not None:
                context.act_as(actor)
            result = await self.schema.execute(
                query, variable_values=variables, context_value=context, operation_name=operation_name
            )
        payload: dict[str, Any] = {}
        errors = [self._format_error(e, context.request_id) for e in result.errors or []]
        # No path on any error means the request failed before execution (syntax,
        # validation, variables): the response then has no `data` entry.
        executed = result.data is not None or any(e.path for e in result.errors or [])
        if errors:
            payload["errors"] = errors
        if executed:
            payload["data"] = result.data
        status = 200 if executed or media_type == JSON else 400
        return self._respond(payload, media_type, status)

    def _format_error(self, error: GraphQLError, request_id: str) -> dict[str, Any]:
        original = error.original_error
        formatted: dict[str, Any] = dict(error.formatted)
        if original is None or isinstance(original, GraphQLError):
            if not self.debug:
                formatted["message"] = hide_suggestions(error)
            return formatted
        if isinstance(original, RequestError):
            formatted["extensions"] = {"code": original.code}
            return formatted
        if isinstance(original, PoolTimeout):
            formatted["message"] = BUSY_MESSAGE
            formatted["extensions"] = {"code": "SERVICE_UNAVAILABLE"}
            return formatted
        if isinstance(original, DBAPIError) and getattr(original.orig, "sqlstate", None) in RETRYABLE:
            # A deadlock, a serialization failure or a lock wait that timed out: nothing was written.
            formatted["message"] = TRY_AGAIN_MESSAGE
            formatted["extensions"] = {"code": "TRY_AGAIN"}
            return formatted
        if isinstance(original, DBAPIError) and getattr(original.orig, "sqlstate", None) == NUL_IN_TEXT:
            formatted["message"] = "Text must not contain NUL characters."
            formatted["extensions"] = {"code": "INVALID_TEXT"}
            return formatted
        log.error("request %s: unexpected error at %s", request_id, error.path, exc_info=original)
        formatted["message"] = MASKED_MESSAGE
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        return formatted

    @staticmethod
    def _respond(
        payload: dict[str, Any], media_type: str, status: int, headers: dict[str, str] | None = None
    ) -> Response:
        return Response(orjson.dumps(payload), status_code=status, media_type=media_type, headers=headers)
