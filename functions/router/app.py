"""POST /v1/router: the routing decision, or the routed completion as JSON or SSE. Streams, so it
runs under uvicorn behind the Lambda Web Adapter (``run.sh``), as chat completions does; the
RoutingLayer brings numpy, tokenizers and the WordLlama weights."""

from gateway.api.semantic_router import router
from gateway.app import create_app

app = create_app(router)
