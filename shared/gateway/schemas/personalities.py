"""Personality wire shapes: the list, creation, changes and deletion (``catalog/personalities.py``
defines a personality itself)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gateway.catalog.personalities import ID_PATTERN, Personality, PersonalityFields


class PersonalityList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Personality]


class PersonalityCreate(PersonalityFields):
    id: str | None = Field(default=None, pattern=ID_PATTERN)
    """Required in ``POST /v1/personalities``; in the path otherwise."""
    name: str = Field(min_length=1, max_length=128)
    system_prompt: str = Field(min_length=1, max_length=32_000)


class PersonalityPatch(PersonalityFields):
    """Fields to change; an explicit null removes a default."""


class PersonalityDeleted(BaseModel):
    id: str
    object: Literal["personality"] = "personality"
    deleted: bool = True


__all__ = ["PersonalityCreate", "PersonalityDeleted", "PersonalityList", "PersonalityPatch"]
