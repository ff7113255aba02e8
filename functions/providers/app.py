"""GET /v1/providers?model=ID: the providers serving a model, primary first."""

from gateway.api.models import providers_router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(providers_router)
handler = lambda_handler(app)
