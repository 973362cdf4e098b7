"""The OpenAPI 3.1 description of the HTTP/JSON API (Connect protocol), rendered from the proto's
descriptors with their comments (``render``); scripts/gen_proto.py writes it to docs/openapi.json
and tests/test_proto_fresh.py keeps it fresh.

Each RPC is ``POST /dispatch.v1.DispatchService/<Method>``; messages follow the proto3 JSON
mapping (lowerCamelCase names, enums as their names, int64 as strings, Timestamp as RFC 3339,
Duration as "1.5s"). Unary methods take and answer ``application/json``; streaming methods use
Connect's enveloped ``application/connect+json`` (5-byte frame header per message), described
with the message each frame holds.
"""

from __future__ import annotations

import json

from google.protobuf import descriptor_pb2

F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    F.TYPE_DOUBLE: {"type": "number"}, F.TYPE_FLOAT: {"type": "number"},
    F.TYPE_INT32: {"type": "integer", "format": "int32"}, F.TYPE_SINT32: {"type": "integer", "format": "int32"},
    F.TYPE_SFIXED32: {"type": "integer", "format": "int32"}, F.TYPE_UINT32: {"type": "integer", "format": "int64", "minimum": 0},
    F.TYPE_FIXED32: {"type": "integer", "format": "int64", "minimum": 0},
    # 64-bit integers are strings in proto3 JSON (numbers are accepted on input).
    F.TYPE_INT64: {"type": ["string", "integer"], "format": "int64"}, F.TYPE_SINT64: {"type": ["string", "integer"], "format": "int64"},
    F.TYPE_SFIXED64: {"type": ["string", "integer"], "format": "int64"}, F.TYPE_UINT64: {"type": ["string", "integer"], "format": "uint64"},
    F.TYPE_FIXED64: {"type": ["string", "integer"], "format": "uint64"},
    F.TYPE_BOOL: {"type": "boolean"}, F.TYPE_STRING: {"type": "string"}, F.TYPE_BYTES: {"type": "string", "format": "byte"},
}
_WELL_KNOWN = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time", "description": "RFC 3339, e.g. 2026-03-02T08:00:00Z"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?s$", "description": "seconds with an s suffix, e.g. 5400s or 1.5s"},
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "A Connect error. Field violations of INVALID_ARGUMENT / RESOURCE_EXHAUSTED are in the "
    "google.rpc.BadRequest detail, readable in its `debug` member.",
    "properties": {
        "code": {"type": "string", "enum": [
            "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
            "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
            "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
        ]},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string", "example": "google.rpc.BadRequest"},
            "value": {"type": "string", "format": "byte", "description": "the detail message, binary protobuf, unpadded base64"},
            "debug": {"type": "object", "description": "the detail as JSON, e.g. {fieldViolations: [{field, description}]}"},
        }}},
    },
}
# HTTP status of each Connect error code, as the Connect protocol specifies.
ERROR_STATUSES = {
    "400": "invalid_argument", "401": "unauthenticated", "404": "not_found",
    "429": "resource_exhausted (queue full: retry after the retry-after-ms header; or a limit exceeded)", "499": "canceled",
    "500": "internal", "503": "unavailable (retry)", "504": "deadline_exceeded",
}


def _comments(files: list[descriptor_pb2.FileDescriptorProto]) -> dict[tuple[str, tuple[int, ...]], str]:
    out = {}
    for f in files:
        for loc in f.source_code_info.location:
            text = loc.leading_comments.strip()
            if text:
                out[(f.name, tuple(loc.path))] = " ".join(line.strip() for line in text.splitlines())
    return out


def render(descriptor_set: bytes) -> str:
    fds = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set)
    comments = _comments(list(fds.file))
    schemas: dict[str, dict] = {}
    maps: dict[str, descriptor_pb2.DescriptorProto] = {}
    enums: dict[str, tuple[descriptor_pb2.EnumDescriptorProto, str]] = {}

    def collect(file, prefix, messages, path):
        for i, m in enumerate(messages):
            name = f"{prefix}.{m.name}"
            if m.options.map_entry:
                maps[name] = m
            for j, e in enumerate(m.enum_type):
                enums[f"{name}.{e.name}"] = (e, comments.get((file.name, (*path, i, 4, j)), ""))
            collect(file, name, m.nested_type, (*path, i, 3))

    for file in fds.file:
        collect(file, f".{file.package}", file.message_type, (4,))
        for j, e in enumerate(file.enum_type):
            enums[f".{file.package}.{e.name}"] = (e, comments.get((file.name, (5, j)), ""))

    def ref(type_name: str) -> dict:
        name = type_name.lstrip(".")
        if name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[name])
        return {"$ref": f"#/components/schemas/{name}"}

    def field_schema(field: descriptor_pb2.FieldDescriptorProto) -> dict:
        if field.type == F.TYPE_MESSAGE and field.type_name in maps:
            entry = maps[field.type_name]
            return {"type": "object", "additionalProperties": field_schema(entry.field[1])}
        if field.type == F.TYPE_MESSAGE:
            one = ref(field.type_name)
        elif field.type == F.TYPE_ENUM:
            one = ref(field.type_name)
        else:
            one = dict(_SCALARS[field.type])
        if field.label == F.LABEL_REPEATED:
            return {"type": "array", "items": one}
        return one

    def add_messages(file, prefix, messages, path):
        for i, m in enumerate(messages):
            name = f"{prefix}.{m.name}"
            if m.options.map_entry:
                continue
            properties = {}
            for k, field in enumerate(m.field):
                schema = field_schema(field)
                text = comments.get((file.name, (*path, i, 2, k)))
                if text:
                    schema = {**schema, "description": text} if "$ref" not in schema else {"allOf": [schema], "description": text}
                properties[field.json_name] = schema
            schema = {"type": "object", "properties": properties}
            text = comments.get((file.name, (*path, i)))
            if text:
                schema["description"] = text
            schemas[name.lstrip(".")] = schema
            add_messages(file, name, m.nested_type, (*path, i, 3))

    for file in fds.file:
        if file.package.startswith("google.protobuf") and file.name.endswith(("timestamp.proto", "duration.proto")):
            continue
        add_messages(file, f".{file.package}", file.message_type, (4,))
    for name, (e, text) in enums.items():
        schema = {"type": "string", "enum": [v.name for v in e.value]}
        if text:
            schema["description"] = text
        schemas[name.lstrip(".")] = schema
    schemas["connect.Error"] = ERROR_SCHEMA

    paths: dict[str, dict] = {}
    for file in fds.file:
        for s, service in enumerate(file.service):
            full = f"{file.package}.{service.name}"
            for m, method in enumerate(service.method):
                streaming = method.client_streaming or method.server_streaming
                content = "application/connect+json" if streaming else "application/json"
                kind = ("client-streaming" if method.client_streaming else "server-streaming") if streaming else "unary"
                text = comments.get((file.name, (6, s, 2, m)), "")
                if streaming:
                    text += (f" ({kind}: each message is a Connect envelope, a flags byte and a 4-byte big-endian length "
                             "before the JSON; the stream ends with an end-of-stream envelope holding any error.)")
                paths[f"/{full}/{method.name}"] = {"post": {
                    "operationId": method.name,
                    "summary": f"{method.name} ({kind})",
                    "description": text,
                    "parameters": [{"name": "Connect-Timeout-Ms", "in": "header", "required": False, "schema": {"type": "integer"},
                                    "description": "the call's deadline in milliseconds (like a gRPC deadline)"}],
                    "requestBody": {"required": True, "content": {content: {"schema": ref(method.input_type)}}},
                    "responses": {
                        "200": {"description": "the answer" + (" stream" if method.server_streaming else ""),
                                "content": {content: {"schema": ref(method.output_type)}}},
                        **{code: {"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/connect.Error"}}}}
                           for code, what in ERROR_STATUSES.items()},
                    },
                }}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Field dispatch HTTP/JSON API (Connect protocol)", "version": "v1",
                 "description": "Generated from proto/ by scripts/gen_proto.py; do not edit."},
        "security": [{"bearer": []}, {}],
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "when the server has tokens (--auth-tokens-file)"}}},
    }
    return json.dumps(document, indent=1, sort_keys=False) + "\n"
