"""Docker install recipes per platform family, as data plus small functions."""

from __future__ import annotations

from installer.platform import Platform
from installer.recipes.apt import DISTRO_APT, AptRecipe

Recipe = AptRecipe


def recipe_for(platform: Platform, source: str) -> Recipe | None:
    """The recipe for this platform and Docker source, or None when there is none yet."""
    if platform.family == "debian":
        return DISTRO_APT
    return None
