"""`cht-install migrate`: a CHT 3.x site moved onto the current line, CHT's guide's way."""
