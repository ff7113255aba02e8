"""API key format: ``gw_live_<id>_<secret>``.

The id (12 lowercase letters and digits) names the key in the store and in admin routes;
the secret (32 random bytes, url-safe base64) is never stored. The store holds only the
SHA-256 of the whole key, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

PREFIX = "gw_live_"
_ID_ALPHABET = string.ascii_lowercase + string.digits
_ID_LEN = 12


def generate() -> tuple[str, str]:
    """A new (key id, plain key)."""
    key_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LEN))
    return key_id, f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def parse_id(plain: str) -> str | None:
    """The id a key claims, or None when it is not shaped like one of ours."""
    if not plain.startswith(PREFIX):
        return None
    key_id, sep, secret = plain[len(PREFIX) :].partition("_")
    if not sep or len(key_id) != _ID_LEN or len(secret) < 40 or not all(c in _ID_ALPHABET for c in key_id):
        return None
    return key_id


def matches(plain: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(plain), stored_hash)


def display_prefix(key_id: str) -> str:
    """What listings show: enough to recognize a key, nothing to use it."""
    return f"{PREFIX}{key_id}_…"
