"""HTTP routes, one module per area of the API (plus ``admin`` for ``/_sim``)."""
