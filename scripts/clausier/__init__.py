"""Clausier: service agreements as code.

The library is pure functions over a loaded repository:
``load_repository`` → ``assemble`` → ``render`` → ``write``; the CLI,
the Makefile and the MkDocs plugin only call them.
"""

__version__ = "0.1.0"
