"""HTTP routes, one module per endpoint family; each Lambda mounts only its own."""
