"""Local development: the provider simulator, the Docker-free local stack and invoke command.

Never packed into the layer: nothing under ``local/`` runs in Lambda.
"""
