"""Access control: TLS / mutual TLS credentials from PEM files and bearer-token authentication.

Tokens are compared with ``hmac.compare_digest`` against every configured token (no early exit),
and never logged. Health checks need no token, so load balancers can probe the service.
"""

from __future__ import annotations

import hmac
import logging
import pathlib

import grpc

from dispatch_service.interceptors import HEALTH_PREFIX

log = logging.getLogger(__name__)

OPEN_METHOD_PREFIXES = (HEALTH_PREFIX,)

_DENY = {
    "unary_unary": grpc.unary_unary_rpc_method_handler,
    "unary_stream": grpc.unary_stream_rpc_method_handler,
    "stream_unary": grpc.stream_unary_rpc_method_handler,
    "stream_stream": grpc.stream_stream_rpc_method_handler,
}


def _read(path: str | None) -> bytes | None:
    return None if path is None else pathlib.Path(path).read_bytes()


def server_credentials(cert: str, key: str, client_ca: str | None = None) -> grpc.ServerCredentials:
    """TLS with the given chain and key; with ``client_ca`` clients must present a certificate
    signed by it (mutual TLS)."""
    return grpc.ssl_server_credentials(
        [(_read(key), _read(cert))],
        root_certificates=_read(client_ca),
        require_client_auth=client_ca is not None,
    )


def channel_credentials(ca: str | None = None, cert: str | None = None, key: str | None = None) -> grpc.ChannelCredentials:
    """Client side: ``ca`` verifies the server (None: the system roots); ``cert``/``key`` for mTLS."""
    return grpc.ssl_channel_credentials(root_certificates=_read(ca), private_key=_read(key), certificate_chain=_read(cert))


def bearer_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


class TokenCheck:
    """The bearer-token rule, shared by gRPC (``BearerTokenInterceptor``) and HTTP/JSON
    (``http_api.CallGate``): ``Bearer <token>`` naming a configured token, compared in constant
    time against every token (no early exit)."""

    def __init__(self, tokens: tuple[str, ...] | list[str]) -> None:
        if not tokens:
            raise ValueError("at least one token is required")
        self._tokens = [t.encode("utf-8") for t in tokens]

    def authorised(self, value: str) -> bool:
        scheme, _, presented = value.partition(" ")
        candidate = presented.strip().encode("utf-8")
        ok = False
        for token in self._tokens:  # every token, so timing does not depend on which matched
            ok |= hmac.compare_digest(candidate, token)
        return ok and scheme.lower() == "bearer"


class BearerTokenInterceptor(grpc.ServerInterceptor):
    """Refuses calls without ``authorization: Bearer <token>`` naming a configured token with
    UNAUTHENTICATED, before the request body is even parsed. Health checks are open."""

    def __init__(self, tokens: tuple[str, ...] | list[str]) -> None:
        self._check = TokenCheck(tokens)

    def _authorised(self, metadata) -> bool:
        value = ""
        for key, v in metadata or ():
            if key == "authorization":
                value = v if isinstance(v, str) else v.decode("latin-1")
                break
        return self._check.authorised(value)

    def intercept_service(self, continuation, handler_call_details):
        if handler_call_details.method.startswith(OPEN_METHOD_PREFIXES):
            return continuation(handler_call_details)
        if self._authorised(handler_call_details.invocation_metadata):
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        log.info("unauthenticated call to %s refused", handler_call_details.method)
        for attr, factory in _DENY.items():
            if getattr(handler, attr) is not None:
                # No deserializer: the body of an unauthenticated call is never parsed.
                return factory(_deny)
        return None


def _deny(_request, context):
    context.abort(grpc.StatusCode.UNAUTHENTICATED, "a valid bearer token is required (authorization: Bearer <token>)")


def open_channel(
    address: str,
    ca: str | None = None,
    cert: str | None = None,
    key: str | None = None,
    max_message_bytes: int = 32 * 1024 * 1024,
) -> grpc.Channel:
    """A client channel: TLS when any of ``ca``/``cert``/``key`` is given, plaintext otherwise."""
    options = [("grpc.max_receive_message_length", max_message_bytes), ("grpc.max_send_message_length", max_message_bytes)]
    if ca or cert or key:
        if (cert is None) != (key is None):
            raise ValueError("a client certificate needs its key and the other way round")
        return grpc.secure_channel(address, channel_credentials(ca, cert, key), options=options)
    return grpc.insecure_channel(address, options=options)
