"""GET /v1/router/profiles: the models with routing profiles, where each profile came from."""

from gateway.api.semantic_router import profiles_router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(profiles_router)
handler = lambda_handler(app)
