"""A completion from plan to settled answer: targets and admission, failover attempts, streaming commit, legacy functions."""
