"""The Textual front end: one screen per stage, routed by screens/app.py."""
