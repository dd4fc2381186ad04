"""One module per capability; each step makes one thing true."""
