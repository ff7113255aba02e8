"""Developer tools: benchmarks, routing training and evaluation. Never packed into the layer."""
