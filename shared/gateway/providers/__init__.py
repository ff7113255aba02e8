"""Provider adapters (pure transforms) and the one transport that does their I/O."""
