"""Docker install recipes per platform, as data plus small functions."""

from installer.recipes.catalog import resolve
from installer.recipes.model import Recipe, Refusal

__all__ = ["Recipe", "Refusal", "resolve"]
