"""Personalities (the PurAI seed): a named preset of a system prompt and request defaults.

A request names one with ``personality`` (instead of, or with, ``model``): its system prompt
goes before the client's messages, and its defaults (model or tier, temperature, max tokens,
whether tools are allowed) fill what the client did not set; the client's explicit parameters
win. A few ship with the gateway (``personalities.json``); admins add and change others, kept
in the store, which win over shipped ones of the same id.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PERSONALITIES_PATH = Path(__file__).with_name("personalities.json")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class PersonalityFields(BaseModel):
    """What a personality sets (every field optional, as a PATCH sends them)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    description: str | None = Field(default=None, max_length=1024)
    system_prompt: str | None = Field(default=None, max_length=32_000)
    model: str | None = Field(default=None, min_length=1, max_length=256)
    """A catalog model, or ``auto`` to let the router choose (within ``tier`` if set)."""
    tier: Literal["cheap", "mid", "premium"] | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    tools_allowed: bool | None = None


class Personality(PersonalityFields):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=128)
    system_prompt: str = Field(min_length=1, max_length=32_000)
    tools_allowed: bool = True
    source: Literal["catalog", "custom"] = "catalog"


class _Shipped(BaseModel):
    personalities: list[Personality]


@lru_cache(maxsize=1)
def shipped() -> dict[str, Personality]:
    data = _Shipped.model_validate(json.loads(PERSONALITIES_PATH.read_text()))
    return {p.id: p for p in data.personalities}


__all__ = ["ID_PATTERN", "Personality", "PersonalityFields", "shipped"]
