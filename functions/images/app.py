"""POST /v1/images/generations: images on OpenAI, Gemini and Bedrock, costed per image and failed over."""

from gateway.api.images import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
