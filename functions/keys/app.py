"""POST /v1/keys (self-serve or admin), GET /v1/keys, PATCH and DELETE /v1/keys/{id} (admin)."""

from gateway.api.keys import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
