"""Python client for the LLM gateway.

``Gateway`` is ``openai.OpenAI`` (``AsyncGateway`` is ``openai.AsyncOpenAI``) configured for the
gateway, with its own routes added: ``providers``, ``router``, ``keys``, ``wallet``,
``report()`` and ``personalities``. Errors are the ``openai`` package's exceptions.
"""

from llm_gateway import types
from llm_gateway._client import APP_ID, DEFAULT_BASE_URL, AsyncGateway, Gateway, check_app_id
from llm_gateway._policy import Policy
from llm_gateway._transport import AsyncGatewayTransport, GatewayTransport

__all__ = [
    "APP_ID",
    "DEFAULT_BASE_URL",
    "AsyncGateway",
    "AsyncGatewayTransport",
    "Gateway",
    "GatewayTransport",
    "Policy",
    "check_app_id",
    "types",
]
