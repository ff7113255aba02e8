"""Who is calling: API keys, JWTs, the admin key and the gateway's own secrets."""
