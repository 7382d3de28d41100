"""Password hashing with argon2id (argon2-cffi, the reference implementation's bindings)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults
# Verified when the username is unknown, so that both cases take the same time.
_DUMMY = _hasher.hash("not a password of anyone")

MIN_LENGTH = 10
MAX_LENGTH = 200


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Check a password against a stored hash (None: the account has no password)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Tell whether a stored hash uses older parameters than the current ones."""
    return _hasher.check_needs_rehash(stored)


def problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"A password needs at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"A password may have at most {MAX_LENGTH} characters."
    if password.strip() != password or not password.strip():
        return "A password must not start or end with spaces."
    return None
