"""One module per CLI command, each defining a click command named ``cli``."""
