"""GET /v1/personalities and the admin's POST/PATCH/DELETE: the PurAI seed's presets."""

from gateway.api.personalities import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
