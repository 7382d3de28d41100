"""Global IDs: "Type:pk" in URL-safe base64, opaque to clients."""

from __future__ import annotations

import base64
import binascii

from crm.errors import RequestError


def to_global_id(type_name: str, pk: int) -> str:
    """Encode a type name and primary key as a global ID."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, int]:
    """Decode a global ID into (type name, primary key) or raise INVALID_ID."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        value = int(pk)
        if not type_name or value <= 0 or value > 2**63 - 1:
            raise ValueError(global_id)
        return type_name, value
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise RequestError(f"'{global_id[:60]}' is not a valid ID.", "INVALID_ID") from exc


def pk_of(global_id: str, expected: str) -> int:
    """Decode a global ID that must name `expected`, or raise INVALID_ID."""
    type_name, pk = from_global_id(global_id)
    if type_name != expected:
        raise RequestError(f"Expected an ID of a {expected}, got one of a {type_name}.", "INVALID_ID")
    return pk
