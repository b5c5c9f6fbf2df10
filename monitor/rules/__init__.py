"""The rule language: text normalisation, query parsing and compiled matching (all pure)."""
