"""Money: pricing, token estimates, admission (limits, budgets, holds) and settlement. The policy; ``store/`` only persists."""
