"""Rules: text normalisation per script (`text`), the query language (`query`), the compiled
matcher (`matcher`) and the evaluation of one compiled rule against a document (`evaluation`)."""
