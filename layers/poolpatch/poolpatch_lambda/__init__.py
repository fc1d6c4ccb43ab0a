"""The Lambda runtime around the engine: settings, observability, AWS wiring, record processing.

Shipped in the same layer as :mod:`poolpatch` but kept apart from it: the
engine stays pure Python with no Lambda or Powertools imports, and the
functions in ``functions/*/app.py`` stay thin decorators over this package.
"""
