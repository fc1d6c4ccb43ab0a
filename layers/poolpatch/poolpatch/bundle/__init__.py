"""The whole pool as one document: bundles, their export, diff, clone and restore (design.md, "Whole-pool
bundle, diff and clone").

- :mod:`.document`: the bundle's shape, its parts as (kind, id, update document), and its validation.
- :mod:`.read`: reading a live pool into a bundle, part by part, with the kinds' own reads.
- :mod:`.diff`: JSON Pointer differences between two bundles, ignoring what necessarily differs.
- :mod:`.clone`: the create steps that make a new pool from a bundle, and their execution.
- :mod:`.restore`: ``apply --bundle``, every part through the engine.
- :mod:`.archive`: each pool's stored bundles (drift keeps them), one more when its configuration changed.
- :mod:`.schema_attributes`: ``createOnly.Schema`` as ``CreateUserPool`` takes it.
"""
