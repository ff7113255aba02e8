"""What can be served: the catalog data and its model, targets (which providers, in which order) and parameter support."""
