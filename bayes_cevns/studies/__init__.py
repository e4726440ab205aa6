"""Studies: each published result (limit tables, g-2, NSI tables, projections) computed and written."""
