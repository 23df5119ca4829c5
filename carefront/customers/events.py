"""Typed events about customer profiles, published after commit (see carefront.core.events)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CustomerCreated:
    customer_id: int


@dataclass(frozen=True, slots=True)
class CustomerUpdated:
    customer_id: int
    fields: tuple[str, ...]
