"""Wire formats beyond chat: embeddings, images and transcriptions, for every simulated provider.

Deterministic like the chat engine: a vector is a function of its text (8 dimensions unless
the request asks for others), an image is a small real PNG, a transcript names the file and
its duration (read by the gateway's own header readers), token counts follow the engine's
four-characters-a-token rule.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time
import zlib
from typing import Any

from local.simulator.engine import count_tokens

DEFAULT_DIMENSIONS = 8
IMAGE_OUTPUT_TOKENS = 1290
"""What Gemini bills one generated image in output tokens (its pricing page)."""


def vector(text: str | list[int], dimensions: int) -> list[float]:
    seed = text if isinstance(text, str) else ",".join(map(str, text))
    out: list[float] = []
    block = 0
    while len(out) < dimensions:
        digest = hashlib.sha256(f"{block}:{seed}".encode()).digest()
        out += [round(b / 127.5 - 1, 6) for b in digest]
        block += 1
    return out[:dimensions]


def tokens_of(text: str | list[int]) -> int:
    return len(text) if isinstance(text, list) else count_tokens(text)


def openai_embeddings(body: dict[str, Any]) -> dict[str, Any]:
    raw = body["input"]
    inputs = [raw] if isinstance(raw, str) else raw
    if inputs and all(isinstance(i, int) for i in inputs):
        inputs = [inputs]
    dims = body.get("dimensions") or body.get("output_dimension") or DEFAULT_DIMENSIONS
    used = sum(tokens_of(i) for i in inputs)
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": vector(t, dims)} for i, t in enumerate(inputs)
        ],
        "model": body.get("model"),
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }


def gemini_embeddings(body: dict[str, Any]) -> dict[str, Any]:
    out = []
    for r in body["requests"]:
        text = "".join(p.get("text", "") for p in r["content"]["parts"])
        out.append({"values": vector(text, r.get("outputDimensionality") or DEFAULT_DIMENSIONS)})
    return {"embeddings": out}


def bedrock_embeddings(model: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """(the answer, the input tokens Bedrock reports in X-Amzn-Bedrock-Input-Token-Count)."""
    if model.startswith("cohere."):
        texts = body["texts"]
        used = sum(count_tokens(t) for t in texts)
        return {
            "id": "sim",
            "embeddings": [vector(t, DEFAULT_DIMENSIONS) for t in texts],
            "texts": texts,
            "response_type": "embeddings_floats",
        }, used
    text = body["inputText"]
    vec = vector(text, body.get("dimensions") or DEFAULT_DIMENSIONS)
    used = count_tokens(text)
    return {"embedding": vec, "inputTextTokenCount": used, "embeddingsByType": {"float": vec}}, used


def png(seed: str, side: int = 8) -> bytes:
    """A real ``side`` x ``side`` RGB PNG whose color is a function of ``seed``."""
    r, g, b = hashlib.sha256(seed.encode()).digest()[:3]
    rows = b"".join(b"\x00" + bytes([r, g, b]) * side for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def b64_png(seed: str) -> str:
    return base64.b64encode(png(seed)).decode()


def openai_images(body: dict[str, Any], image_url: str) -> dict[str, Any]:
    n = int(body.get("n") or 1)
    prompt = body.get("prompt", "")
    as_url = body.get("response_format") == "url"
    data = [
        {"url": f"{image_url}/{hashlib.sha256(f'{i}:{prompt}'.encode()).hexdigest()[:16]}.png"}
        if as_url
        else {"b64_json": b64_png(f"{i}:{prompt}")}
        for i in range(n)
    ]
    out: dict[str, Any] = {"created": int(time.time()), "data": data}
    if str(body.get("model", "")).startswith("gpt-image"):
        used = count_tokens(prompt)
        out.update(
            {
                "quality": body.get("quality") or "high",
                "size": body.get("size") or "1024x1024",
                "output_format": body.get("output_format") or "png",
                "background": body.get("background") or "opaque",
                "usage": {
                    "input_tokens": used,
                    "output_tokens": 4160 * n,
                    "total_tokens": used + 4160 * n,
                    "input_tokens_details": {"text_tokens": used, "image_tokens": 0},
                },
            }
        )
    else:
        for d in data:
            d["revised_prompt"] = f"A simulated picture of: {prompt[:100]}"
    return out


def gemini_image(body: dict[str, Any]) -> dict[str, Any]:
    prompt = "".join(p.get("text", "") for c in body.get("contents", []) for p in c.get("parts", []))
    used = count_tokens(prompt)
    return {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [{"inlineData": {"mimeType": "image/png", "data": b64_png(prompt)}}],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {
            "promptTokenCount": used,
            "candidatesTokenCount": IMAGE_OUTPUT_TOKENS,
            "totalTokenCount": used + IMAGE_OUTPUT_TOKENS,
        },
    }


def bedrock_images(body: dict[str, Any]) -> dict[str, Any]:
    prompt = (body.get("textToImageParams") or {}).get("text", "")
    n = int((body.get("imageGenerationConfig") or {}).get("numberOfImages") or 1)
    return {"images": [b64_png(f"{i}:{prompt}") for i in range(n)], "error": None}


def transcript(filename: str, seconds: float | None) -> str:
    length = "unknown length" if seconds is None else f"{seconds:.1f} s"
    return f"Simulated transcript of {filename} ({length})."


def _stamp(t: float, sep: str) -> str:
    h, rest = divmod(t, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h):02d}:{int(m):02d}:{int(s):02d}{sep}{round((s % 1) * 1000):03d}"


def transcription(
    provider: str, model: str, fields: dict[str, Any], filename: str, seconds: float | None
) -> tuple[str | dict[str, Any], str]:
    """(the answer, its media type) for the form's ``response_format``."""
    text = transcript(filename, seconds)
    fmt = fields.get("response_format") or "json"
    end = seconds or 1.0
    if fmt == "text":
        return text + "\n", "text/plain"
    if fmt == "srt":
        return f"1\n{_stamp(0, ',')} --> {_stamp(end, ',')}\n{text}\n\n", "text/plain"
    if fmt == "vtt":
        return f"WEBVTT\n\n{_stamp(0, '.')} --> {_stamp(end, '.')}\n{text}\n\n", "text/vtt"
    if fmt == "verbose_json":
        return {
            "task": "transcribe",
            "language": fields.get("language") or "english",
            "duration": end,
            "text": text,
            "segments": [{"id": 0, "start": 0.0, "end": end, "text": text}],
        }, "application/json"
    out: dict[str, Any] = {"text": text}
    if provider == "openai" and model.startswith("gpt-4o"):
        out["usage"] = {"type": "tokens", "input_tokens": int(end * 10), "output_tokens": count_tokens(text)}
    elif provider == "openai":
        out["usage"] = {"type": "duration", "seconds": round(end)}
    else:
        out["x_groq"] = {"id": "req_sim"}
    return out, "application/json"
