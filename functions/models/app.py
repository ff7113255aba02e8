"""GET /v1/models and GET /v1/models/{id}: the catalog with prices and capabilities."""

from gateway.api.models import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
