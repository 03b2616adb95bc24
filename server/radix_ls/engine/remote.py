"""Remote engine: an OpenAI-compatible `/v1/completions` server.

For an SGLang server, the SGLang Model Gateway in front of several of them, a llama.cpp
server, or anything else that speaks the OpenAI completions API. Raw completions (not chat)
are used for every mode, so that prompt templates stay ours and prefix caching sees the same
text the in-process engines would.

- Streaming over server-sent events; cancelling the consumer closes the connection (servers
  stop generating for a closed connection) and, where the server is SGLang, also calls its
  `/abort_request` endpoint with the request id sent as `rid`.
- Connect failures and 502/503/504 answers before any output are retried a bounded number
  of times with backoff; a stream that breaks midway is an error (no silent retry: part of
  the output was already delivered).
- The API key comes from an environment variable (never from settings); TLS is verified.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from radix_ls.config import Settings
from radix_ls.engine.base import Chunk, Engine, EngineError, GenerationRequest, StatsClock
from radix_ls.engine.queue import Slot

if TYPE_CHECKING:
    from radix_ls.engine.base import GenerationStats

log = logging.getLogger("radix_ls.remote")

_RETRYABLE_STATUS = {502, 503, 504}


# the settings' defaults are the remote engine's: one place says what they are
_DEFAULTS = Settings()


@dataclass(frozen=True)
class RemoteConfig:
    url: str
    model: str = _DEFAULTS.remote_model
    api_key_env: str = _DEFAULTS.remote_api_key_env
    connect_timeout: float = _DEFAULTS.remote_connect_timeout
    read_timeout: float = _DEFAULTS.remote_read_timeout
    retries: int = _DEFAULTS.remote_retries
    ca_bundle: str = _DEFAULTS.remote_ca_bundle

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteConfig:
        """Each field from the setting of the same name (`remoteUrl` for `url`...)."""
        fields = dataclasses.fields(cls)
        return cls(**{f.name: getattr(settings, f"remote_{f.name}") for f in fields})


def _base_url(url: str) -> str:
    url = url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def estimate_tokens(text: str) -> int:
    """Token estimate without the server's tokenizer (~3 bytes a token for code, rounded up
    so that budgets err on the safe side)."""
    return (len(text.encode("utf-8")) + 2) // 3


class RemoteEngine(Engine):
    name = "remote"
    # servers batch concurrent requests; the queue only orders what is beyond this
    max_concurrency = 16

    def __init__(self, config: RemoteConfig, client: httpx.AsyncClient, model: str) -> None:
        self._config = config
        self._client = client
        self._model = model
        self._active = 0
        self.is_sglang = False

    @classmethod
    async def connect(cls, config: RemoteConfig) -> RemoteEngine:
        """Open the client and ask the server for its model (`/v1/models`)."""
        if not config.url.startswith(("http://", "https://")):
            raise EngineError(f"remoteUrl must start with http:// or https://, got {config.url!r}")
        headers = {"User-Agent": "radix-ls"}
        key = os.environ.get(config.api_key_env, "") if config.api_key_env else ""
        if key:
            headers["Authorization"] = f"Bearer {key}"
        verify: Any = config.ca_bundle or True
        timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)
        client = httpx.AsyncClient(
            base_url=_base_url(config.url), headers=headers, timeout=timeout, verify=verify
        )
        engine = cls(config, client, config.model)
        try:
            await engine._probe()
        except BaseException:
            await client.aclose()
            raise
        return engine

    async def _probe(self) -> None:
        """Ask for the model list; any failure (refused, hung, garbage, an error status, a
        malformed list) is an EngineError that says what was wrong."""
        url = self._config.url
        # connecting includes the model list: a server that accepts and never answers is
        # given the connect timeout, not the (long) read timeout meant for generation
        timeout = httpx.Timeout(self._config.connect_timeout)
        try:
            response = await self._request_with_retries("GET", "/v1/models", limits=timeout)
        except EngineError as exc:
            raise EngineError(f"remote server {url} is not reachable: {exc}") from exc
        try:
            if response.status_code != 200:
                raise EngineError(
                    f"remote server {url} answered /v1/models with "
                    f"{response.status_code}: {response.text[:200]}"
                )
            models = _model_ids(response, url)
        except (httpx.HTTPError, UnicodeDecodeError) as exc:
            raise EngineError(f"remote server {url}: /v1/models failed: {_describe(exc)}") from exc
        finally:
            await response.aclose()
        if not self._model:
            if not models:
                raise EngineError(f"remote server {url} lists no models")
            self._model = models[0]
        # SGLang servers (and the gateway in front of them) answer these; others 404.
        # `/model_info` is current, `/get_model_info` its older (deprecated) name.
        for path in ("/model_info", "/get_model_info"):
            with contextlib.suppress(httpx.HTTPError, ValueError, AttributeError):
                info = await self._client.get(path, timeout=timeout)
                if info.status_code == 200 and "model_path" in info.json():
                    self.is_sglang = True
                    break

    @property
    def model_name(self) -> str:
        return self._model

    def has_token(self, text: str) -> bool:
        # No tokenizer here: the template comes from the model family (see templates.py).
        return False

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    async def _request_with_retries(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        stream: bool = False,
        limits: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """Send, retrying connect failures and 502/503/504; every other failure (a timeout,
        an answer that is not HTTP) is an EngineError at once."""
        attempts = self._config.retries + 1
        for attempt in range(attempts):
            try:
                request = self._client.build_request(
                    method, path, json=body, timeout=limits or httpx.USE_CLIENT_DEFAULT
                )
                response = await self._client.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                error: str = f"cannot connect: {exc}"
            except httpx.HTTPError as exc:
                raise EngineError(f"{method} {path} failed: {_describe(exc)}") from exc
            else:
                if response.status_code not in _RETRYABLE_STATUS:
                    return response
                error = f"HTTP {response.status_code}"
                await response.aclose()
            if attempt + 1 < attempts:
                delay = 0.25 * 2**attempt
                log.info("%s %s failed (%s), retrying in %.2f s", method, path, error, delay)
                await asyncio.sleep(delay)
        raise EngineError(f"{method} {path} failed after {attempts} attempts: {error}")

    async def _stream(self, request: GenerationRequest, slot: Slot) -> AsyncIterator[Chunk]:
        body: dict[str, Any] = {
            "model": self._model,
            "prompt": request.prompt,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.stop:
            body["stop"] = list(request.stop)
        if self.is_sglang:
            body["rid"] = request.request_id
            if request.regex:
                body["regex"] = request.regex  # SGLang's extra sampling parameter
        elif request.gbnf:
            # llama.cpp's servers take a GBNF grammar; other servers ignore unknown fields
            body["grammar"] = request.gbnf
        clock = StatsClock()
        got = _Received()
        self._active += 1
        response: httpx.Response | None = None
        try:
            response = await self._request_with_retries(
                "POST", "/v1/completions", body, stream=True
            )
            if response.status_code != 200:
                detail = (await response.aread()).decode("utf-8", errors="replace")[:300]
                raise EngineError(f"remote server answered {response.status_code}: {detail}")
            async for piece in _pieces(response, request, got):
                clock.token()
                yield Chunk(piece)
            stats = self._stats(request, clock, got.usage, got.pieces, got.finish)
            self.last_stats = stats
            yield Chunk("", stats)
        except EngineError:
            got.finish = "error"
            self.last_stats = self._stats(request, clock, got.usage, got.pieces, got.finish)
            raise
        except httpx.HTTPError as exc:
            got.finish = "error"
            self.last_stats = self._stats(request, clock, got.usage, got.pieces, got.finish)
            raise EngineError(self._stream_failure(exc)) from exc
        finally:
            if got.finish == "cancelled":
                self.last_stats = self._stats(request, clock, got.usage, got.pieces, got.finish)
            if response is not None:
                await response.aclose()  # closing the connection stops the server's work
            if got.finish == "cancelled" and self.is_sglang:
                await self._abort(request.request_id)
            self._active -= 1

    def _stream_failure(self, exc: httpx.HTTPError) -> str:
        url = self._config.url
        if isinstance(exc, httpx.TimeoutException):
            return (
                f"remote server {url} sent nothing for {self._config.read_timeout:g} s "
                "mid-generation (read timeout: remoteReadTimeout)"
            )
        return (
            f"remote server {url} broke off the stream mid-generation "
            f"({type(exc).__name__}: {exc or 'connection closed'})"
        )

    async def _abort(self, rid: str) -> None:
        """Best effort: tell SGLang to drop the request now rather than at its next token."""
        with contextlib.suppress(httpx.HTTPError, asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.shield(self._client.post("/abort_request", json={"rid": rid})), 2.0
            )

    def _stats(
        self,
        request: GenerationRequest,
        clock: StatsClock,
        usage: dict[str, Any],
        pieces: int,
        finish: str,
    ) -> GenerationStats:
        details = usage.get("prompt_tokens_details") or {}
        return clock.stats(
            request,
            int(usage.get("prompt_tokens") or estimate_tokens(request.prompt)),
            details.get("cached_tokens"),
            int(usage.get("completion_tokens") or pieces),
            finish,
        )

    async def close(self) -> None:
        await self._client.aclose()


def _model_ids(response: httpx.Response, url: str) -> list[str]:
    """The model ids of a `/v1/models` answer; EngineError if it is not a model list."""
    try:
        data = response.json()
    except ValueError as exc:
        raise EngineError(
            f"remote server {url}: /v1/models did not answer JSON: {response.text[:200]!r}"
        ) from exc
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise EngineError(
            f"remote server {url}: /v1/models answered no model list: {response.text[:200]!r}"
        )
    return [str(e.get("id") or "") for e in entries]


def _describe(exc: BaseException) -> str:
    """An httpx failure in the user's terms: timeouts say so, others name their kind."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc or 'no detail'}"


@dataclass
class _Received:
    """What a completion stream has delivered so far."""

    text: str = ""
    pieces: int = 0
    events: int = 0
    past_limit: int = 0  # events since max_tokens pieces, without a finish
    usage: dict[str, Any] = dataclasses.field(default_factory=dict)
    finish: str = "cancelled"  # stays so if the consumer leaves early


async def _pieces(
    response: httpx.Response, request: GenerationRequest, got: _Received
) -> AsyncIterator[str]:
    """The text pieces of a completion stream, recorded in `got`. `max_tokens` is enforced
    here too (a piece is at least one token): a server that never ends its stream is cut off
    there, and one that sends only empty events is an error."""
    async for event in _sse_events(response):
        got.events += 1
        if isinstance(event.get("usage"), dict):
            got.usage = event["usage"]
        choices = event.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            raise EngineError(f"remote server sent a malformed event: {str(event)[:200]!r}")
        for choice in choices:
            piece = choice.get("text") or ""
            if piece and got.pieces < request.max_tokens:
                got.pieces += 1
                got.text += str(piece)
                yield str(piece)
            if choice.get("finish_reason"):
                got.finish = "length" if choice["finish_reason"] == "length" else "stop"
        if request.stop_check is not None and request.stop_check(got.text):
            got.finish = "stop"
            return
        if got.pieces >= request.max_tokens and got.finish == "cancelled":
            # the finish (and usage) may follow in the next events; a server that goes on
            # past max_tokens is cut off there
            got.past_limit += 1
            if got.past_limit > 4:
                got.finish = "length"
                return
        if got.events > 4 * request.max_tokens + 64:
            raise EngineError(
                f"remote server sent {got.events} events without finishing "
                f"({got.pieces} pieces of text)"
            )
    if got.finish == "cancelled":
        got.finish = "stop"  # the stream ended without saying why


async def _sse_events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The JSON objects of a server-sent event stream, up to `[DONE]`."""
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except json.JSONDecodeError as exc:
            raise EngineError(f"remote server sent a malformed event: {data[:200]!r}") from exc
        if not isinstance(event, dict):
            raise EngineError(f"remote server sent a malformed event: {data[:200]!r}")
        yield event
