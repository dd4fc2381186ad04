"""Styles, templates and help texts shipped with cht-install."""
