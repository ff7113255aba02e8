"""GET /public/models: every model with its capabilities and prices, without a key (Lunos's shape)."""

from gateway.api.public import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
