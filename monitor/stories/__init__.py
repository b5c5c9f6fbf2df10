"""Stories across outlets (pure): content fingerprints, which story an item belongs to, and
when a story spreads or a rule spikes."""
