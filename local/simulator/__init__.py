"""A local stand-in for the LLM providers: their wire formats, deterministic replies, and faults."""
