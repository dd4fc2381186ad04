"""cht-install engine: steps, runner and the Host seam; no user interface here."""
