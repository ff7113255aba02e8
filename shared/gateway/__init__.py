"""The gateway package: one OpenAI-compatible API in front of many LLM providers.

Every Lambda function imports what it needs from here; nothing heavy happens at import
time, so a cold start pays only for the routes a function serves.
"""
