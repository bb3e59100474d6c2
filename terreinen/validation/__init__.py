"""Checks of every input against the contract (docs/data-model.md), bottom to top:
:mod:`.values` (one value: dates, numbers, categories, "did you mean"), :mod:`.columns`
(required columns, duplicates, respellings), :mod:`.geometry` (CRS, outlines, overlaps: one
routine for both engines) and :mod:`.parcels` (a whole table of parcels or parks)."""
