"""CHT's current line (4.x/5.x): its facts and its Line (its files are CHT's own)."""
