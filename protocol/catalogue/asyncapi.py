"""The AsyncAPI 3.0 document of ``ioa/1``, built from :mod:`protocol.catalogue.surface`.

The document describes the whole system, not one application: every channel has an
operation for its publisher (``send``) and one for its subscribers (``receive``), each
named after its role (``x-ioa-role``). Payloads refer to the committed JSON Schemas.
"""

from typing import Any

from protocol.catalogue.examples import example
from protocol.catalogue.surface import DELIVERIES, OPERATIONS, PARAMETERS
from protocol.envelope import PROTOCOL
from protocol.errors import ErrorCode
from protocol.kinds import KINDS
from protocol.subjects import DEFAULT_ROOT

SCHEMAS_FROM_DOCS = "../protocol/schemas/ioa-1"
ERROR = "error"


def _ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(path)}


def _message(kind: str) -> dict[str, Any]:
    model = KINDS[kind]
    return {
        "name": kind,
        "title": model.__name__,
        "summary": (model.__doc__ or model.__name__).strip().splitlines()[0],
        "contentType": "application/json",
        "headers": _ref("components", "schemas", "headers"),
        "payload": {
            "allOf": [
                {"$ref": f"{SCHEMAS_FROM_DOCS}/envelope.json"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": kind},
                        "body": {"$ref": f"{SCHEMAS_FROM_DOCS}/{kind}.json"},
                    },
                },
            ]
        },
        "examples": [{"name": kind, "payload": example(kind).to_dict()}],
    }


def _parameters(address: str) -> dict[str, Any]:
    names = [part[1:-1] for part in address.split(".") if part.startswith("{")]
    return {name: {"description": PARAMETERS[name]} for name in names}


def _messages(kinds: tuple[str, ...]) -> dict[str, Any]:
    return {kind: _ref("components", "messages", kind) for kind in kinds}


def build(root: str = DEFAULT_ROOT) -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a plain dict (ready for YAML or JSON)."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}

    reply_kinds = sorted({k for op in OPERATIONS for k in op.returns} | {ERROR})
    channels["reply"] = {
        "address": None,
        "title": "Reply inbox",
        "description": "The requester's NATS reply subject (_INBOX.…), chosen by its client "
        "library. Every request gets exactly one reply: the operation's result or an error.",
        "messages": _messages(tuple(reply_kinds)),
    }

    for op in OPERATIONS:
        name = f"{op.service}.{op.op}"
        address = f"{root}.from.{{agent}}.{op.service}.{op.op}"
        channels[name] = {
            "address": address,
            "title": name,
            "description": f"{op.summary} Agents publish only under {root}.from.<their id>.>; "
            f"the {op.service} service subscribes to {root}.from.*.{op.service}.> in the queue "
            f"group '{op.service}' and refuses an envelope whose sender is not the {{agent}} "
            "token.",
            "parameters": _parameters(address),
            "messages": _messages(op.takes),
        }
        reply = {
            "channel": _ref("channels", "reply"),
            "messages": [_ref("channels", "reply", "messages", k) for k in (*op.returns, ERROR)],
        }
        for action, role in (("send", "agent"), ("receive", op.service)):
            operations[f"{name}.{action}"] = {
                "action": action,
                "channel": _ref("channels", name),
                "summary": op.summary,
                "messages": [_ref("channels", name, "messages", k) for k in op.takes],
                "reply": reply,
                "x-ioa-role": role,
            }

    for delivery in DELIVERIES:
        address = f"{root}.{delivery.address}"
        channels[delivery.name] = {
            "address": address,
            "title": delivery.name,
            "description": delivery.summary
            + (
                " Durable (JetStream); sent with the Nats-Msg-Id header."
                if delivery.durable
                else ""
            ),
            "parameters": _parameters(address),
            "messages": _messages(delivery.carries),
        }
        messages = [_ref("channels", delivery.name, "messages", k) for k in delivery.carries]
        for action, role in (("send", delivery.publisher), ("receive", delivery.subscribers)):
            operations[f"{delivery.name}.{action}"] = {
                "action": action,
                "channel": _ref("channels", delivery.name),
                "summary": delivery.summary,
                "messages": messages,
                "x-ioa-role": role,
            }

    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Internet of Agents",
            "version": PROTOCOL,
            "description": "The ioa/1 agent-integration protocol over NATS. Every message is an "
            "ioa/1 JSON envelope (see docs/protocol.md); trace context travels in the "
            "traceparent/tracestate headers. Error codes: "
            + ", ".join(code.value for code in ErrorCode)
            + ". Generated by `python -m protocol.catalogue write`; do not edit by hand.",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "The embedded run (`ioa up`).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {
                "headers": {
                    "type": "object",
                    "properties": {
                        "traceparent": {"type": "string", "description": "W3C trace context."},
                        "tracestate": {"type": "string"},
                        "Nats-Msg-Id": {
                            "type": "string",
                            "description": "The envelope id, on durable (JetStream) publishes; "
                            "JetStream drops a repeat within its duplicate window.",
                        },
                    },
                }
            },
            # Every kind, including those only embedded or not routed yet.
            "messages": {kind: _message(kind) for kind in sorted(KINDS)},
        },
    }
