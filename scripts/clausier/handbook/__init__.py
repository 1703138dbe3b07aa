"""The clause handbook: pages generated from the library, served by a thin MkDocs plugin."""
