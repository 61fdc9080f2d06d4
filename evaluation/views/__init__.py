"""Pages of the evaluation app, one module per area."""
