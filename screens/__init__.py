"""The Textual front end: one screen per stage, routed by screens/app.py."""

import os

# A lone Esc is told from the start of a key's sequence after this many milliseconds
# (Textual's default 100, read when Textual is imported; checked when its keyboard thread
# wakes, every 100 ms: an Esc waited about 200 ms, now about 100). A terminal sends a key's
# sequence in one write, and over SSH it comes in one piece. ESCDELAY set outside is kept.
os.environ.setdefault("ESCDELAY", "25")
