"""One module per command-line command; see :mod:`agora.cli`."""
