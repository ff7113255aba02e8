"""POST /v1/embeddings: embeddings on every provider that serves them, costed and failed over."""

from gateway.api.embeddings import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
