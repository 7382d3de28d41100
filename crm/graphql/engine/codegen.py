"""Generate one Python function per compiled selection set: its fields written out in line.

The closures of compiler.py cost a few calls per field: the field's runner, the attribute
read, the completer, the loop over the runners and a dict store. Most fields of a typical
answer are attributes holding a string, a boolean or an enum member; for those, the generated
function reads the attribute and checks the value's exact type in line, and only a value that
is not already its own answer (None, a date, an awaitable, ...) goes to the field's completer.
Every other field calls its compiled runner.

The generated function runs the fields as graphql-core's executor does, in the same order, with
the same errors: each field's exception goes to its error handler at the field's path (which raises
for a non-null field), coroutines are collected and awaited together, and coroutines already
started when the object fails are settled in the background. The object completer around it
(null check, `is_type_of`, non-null) is generated too when `is_type_of` needs no info.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from types import CoroutineType
from typing import Any

from graphql.pyutils import Path, Undefined

_new_path = tuple.__new__


@dataclass(frozen=True, slots=True)
class InlineField:
    """What the generator needs to write a field without resolver in line.

    `fast`: the exact type of a value that is its own answer (str for String/ID, bool for
    Boolean); `enum`/`names`: an enum class and each member's serialized name; `complete`:
    the field's completer, for a value of a type that is never awaitable; `slow`: anything
    else, `(executor, value, parent path)` to the answer or a coroutine of it.
    """

    attr: str  # the Python attribute the field reads
    read: Callable[[Any], Any]  # reads it, when the default resolver is not getattr
    by_getattr: bool
    fast: type | None
    enum: type | None
    names: dict[Any, str] | None
    complete: Callable[[Any, Any, Any, Any], Any]
    slow: Callable[[Any, Any, Path | None], Any]
    handle: Callable[[Any, Exception, Path], None]
    parent_name: str


@dataclass(frozen=True, slots=True)
class Field:
    """One response key of a selection set: its runner, and how to write it in line if it can be."""

    key: str
    run: Callable[[Any, Any, Path | None], Any]
    inline: InlineField | None = None
    typename: str | None = None  # `__typename`: the constant answer


@dataclass(frozen=True, slots=True)
class ObjectChecks:
    """What a generated object completer checks before the fields (for an `is_type_of` without info)."""

    null_check: bool  # the value may be None or an exception (not yet checked by resolve_type)
    non_null: str | None  # the error message when the value is None, for a non-null type
    is_type_of: Callable[[Any, Any], Any] | None  # called with info None
    is_awaitable: Callable[[Any], bool]
    on_awaitable: Callable[[Any, Any, Any, Any], Any]  # (executor, awaitable answer, value, path)
    invalid: Callable[[Any], Exception]  # the error for a value of another type


def _attribute(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("__")


def generate(
    name: str,
    fields: list[Field],
    *,
    never_awaitable: frozenset[type],
    gather_fields: Callable[..., Any],
    gather_item_fields: Callable[..., Any],
    item_handle: Callable[[Any, Exception, Path], None] | None,
    checks: ObjectChecks | None = None,
) -> Callable[..., Any]:
    """Return `execute(ex, source, path)`, or with `checks` a whole object completer
    `complete_object(ex, value, path, field_path)`."""
    env: dict[str, Any] = {
        "CoroutineType": CoroutineType,
        "Path": Path,
        "Undefined": Undefined,
        "new_path": _new_path,
        "NEVER": never_awaitable,
        "GF": gather_fields,
        "GI": gather_item_fields,
        "IH": item_handle,
    }
    body: list[str] = []
    emit = body.append
    keys: list[str] = []
    for index, field in enumerate(fields):
        value = f"v{index}"
        keys.append(f"{field.key!r}: {value}")
        if field.typename is not None:
            env[f"T{index}"] = field.typename
            emit(f"        {value} = T{index}")
            continue
        inline = field.inline
        if inline is None:
            env[f"R{index}"] = field.run
            emit(f"        {value} = R{index}(ex, source, path)")
            emit(f"        if type({value}) is CoroutineType:")
            emit(f"            aw.append({field.key!r}); co.append({value})")
            continue
        env[f"S{index}"] = inline.slow
        env[f"H{index}"] = inline.handle
        env[f"K{index}"] = (field.key, inline.parent_name)
        if inline.by_getattr and _attribute(inline.attr):
            read = f"source.{inline.attr}"
        else:
            env[f"RD{index}"] = inline.read
            read = f"RD{index}(source)"
        emit("        try:")
        emit(f"            {value} = {read}")
        branch = "if"
        if inline.fast is not None:
            env[f"F{index}"] = inline.fast
            emit(f"            if type({value}) is F{index}:")
            emit("                pass")
            branch = "elif"
        if inline.enum is not None:
            env[f"E{index}"] = inline.enum
            env[f"N{index}"] = inline.names
            emit(f"            {branch} type({value}) is E{index}:")
            emit(f"                {value} = N{index}[{value}]")
            branch = "elif"
        env[f"C{index}"] = inline.complete
        emit(f"            {branch} type({value}) in NEVER:")
        emit(f"                {value} = C{index}(ex, {value}, None, None)")
        emit("            else:")
        emit(f"                {value} = S{index}(ex, {value}, path)")
        emit(f"                if type({value}) is CoroutineType:")
        emit(f"                    aw.append({field.key!r}); co.append({value})")
        emit("        except Exception as error:")
        emit(f"            H{index}(ex, error, new_path(Path, (path, *K{index})))")
        emit(f"            {value} = None")

    lines: list[str] = []
    add = lines.append
    if checks is None:
        add("def execute(ex, source, path):")
    else:
        add("def complete_object(ex, value, path, field_path):")
        if checks.null_check:
            add("    if value is None or value is Undefined:")
            if checks.non_null is None:
                add("        return None")
            else:
                env["MESSAGE"] = checks.non_null
                add("        raise TypeError(MESSAGE)")
            add("    if isinstance(value, Exception):")
            add("        raise value")
        if checks.is_type_of is not None:
            env["ITO"] = checks.is_type_of
            env["ASYNC_CHECK"] = checks.on_awaitable
            env["INVALID"] = checks.invalid
            env["is_awaitable"] = checks.is_awaitable
            add("    matches = ITO(value, None)")
            add("    if type(matches) is not bool and is_awaitable(matches):")
            add("        return ASYNC_CHECK(ex, matches, value, path)")
            add("    if not matches:")
            add("        raise INVALID(value)")
        add("    source = value")
    add("    aw = []")
    add("    co = []")
    if body:
        add("    try:")
        lines.extend(body)
        add("    except Exception:")
        add("        if co:")
        add("            ex.settle_in_background(co)")
        add("        raise")
    add(f"    results = {{{', '.join(keys)}}}")
    add("    if not aw:")
    add("        return results")
    if item_handle is not None:
        add("    return GI(ex, results, aw, IH, path)")
    else:
        add("    return GF(results, aw)")
    source = "\n".join(lines) + "\n"
    code = compile(source, f"<engine: {name}>", "exec")
    namespace: dict[str, Any] = {}
    exec(code, env, namespace)  # noqa: S102  (our own generated source, from schema names and repr())
    function: Callable[..., Any] = namespace["complete_object" if checks is not None else "execute"]
    function.__engine_source__ = source  # type: ignore[attr-defined]
    return function
