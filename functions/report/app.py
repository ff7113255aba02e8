"""GET /v1/report: the caller's 24 h spend report, as JSON or an HTML page."""

from gateway.api.report import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
