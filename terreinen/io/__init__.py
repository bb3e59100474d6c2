"""Files in and out: :mod:`.files` reads parcel files in any format and CRS, :mod:`.tables`
the agreements and region tables, :mod:`.ibis` IBIS park tables and the IBIS exchange
layout, and :mod:`.write` writes every output safely (atomic, never over an input, no
formulas from data)."""
