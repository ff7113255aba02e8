"""POST /v1/wallet/fund, GET /v1/wallet/status?invoiceId=..., GET /v1/wallet/balance."""

from gateway.api.wallet import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
