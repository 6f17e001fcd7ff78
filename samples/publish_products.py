#!/usr/bin/env python3
"""Publish products to the Inference pipeline from Python, with pika and no MassTransit.

Reads JSON Lines (one product a line: "text", and optionally "id" and "source", as samples/products.jsonl) and
publishes each as a ProductTextReceived on the exchange the pipeline listens to, persistent, with publisher
confirms and mandatory routing, in one of the two forms the pipeline reads:

  raw       content type application/json, the message's fields alone
  envelope  content type application/vnd.masstransit+json, MassTransit's envelope around them

Prints each product's id, one a line, to follow it with GET /v1/products/{id}. Exits 1 when a message is not
routed (nothing listens: is the Orchestrator running?) or not confirmed; what went through stays published.

  python3 samples/publish_products.py --url amqp://guest:guest@127.0.0.1:5672/%2F --form raw samples/products.jsonl

Debian: apt-get install python3-pika (pika 1.2).
"""
import argparse
import datetime
import json
import sys
import uuid

import pika

EXCHANGE = "Inference.Contracts:ProductTextReceived"
MESSAGE_TYPE = "urn:message:Inference.Contracts:ProductTextReceived"
CONTENT_TYPES = {"raw": "application/json", "envelope": "application/vnd.masstransit+json"}

# The pipeline's own ids: RFC 4122 version 5 of "<source>\n<id>" in this namespace (the C# ProductIds.For), so the
# same product sent again, by any producer, is the same product.
PRODUCT_NAMESPACE = uuid.UUID("6f1c3b8e-5d0a-4b1e-9a67-2f8e4c1d9b30")


def product_id(source, source_id):
    return uuid.uuid5(PRODUCT_NAMESPACE, f"{source}\n{source_id}")


def now():
    # ISO 8601 with its offset: a time without one would be read in the receiving host's time zone.
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def message(pid, source, source_id, text):
    # Field names in camelCase (PascalCase reads too); ids as hyphenated GUIDs; receivedAt may be left out.
    return {"productId": str(pid), "source": source, "sourceId": source_id, "text": text, "receivedAt": now()}


def body(form, fields, message_id):
    if form == "raw":
        return fields
    return {
        "messageId": str(message_id),
        "messageType": [MESSAGE_TYPE],
        "sentTime": now(),
        "message": fields,
    }


def read_products(path, default_source):
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            source = record.get("source") or default_source
            yield source, record.get("id") or f"line-{number}", record["text"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="JSON Lines: text, and optionally id and source, on every line")
    parser.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5672/%2F",
                        help="the broker and virtual host (%%2F is '/')")
    parser.add_argument("--form", choices=sorted(CONTENT_TYPES), default="raw")
    parser.add_argument("--source", default="python-sample", help="the source of lines that name none")
    parser.add_argument("--limit", type=int, default=0, help="publish at most this many (0: all)")
    args = parser.parse_args()

    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    try:
        channel = connection.channel()
        # Every publish waits for the broker's confirm; an unroutable one raises instead of vanishing.
        channel.confirm_delivery()
        published = 0
        for source, source_id, text in read_products(args.input, args.source):
            if args.limit and published >= args.limit:
                break
            pid, message_id = product_id(source, source_id), uuid.uuid4()
            properties = pika.BasicProperties(
                content_type=CONTENT_TYPES[args.form],
                delivery_mode=2,  # persistent
                message_id=str(message_id),
            )
            payload = json.dumps(body(args.form, message(pid, source, source_id, text), message_id), ensure_ascii=False)
            try:
                channel.basic_publish(EXCHANGE, routing_key="", body=payload.encode("utf-8"), properties=properties,
                                      mandatory=True)
            except pika.exceptions.UnroutableError:
                print(f"not routed: nothing is bound to {EXCHANGE} (is the Orchestrator running?)", file=sys.stderr)
                return 1
            except pika.exceptions.NackError:
                print(f"the broker refused product {pid}", file=sys.stderr)
                return 1
            print(pid, flush=True)
            published += 1
        print(f"published {published} product(s) as {args.form}", file=sys.stderr)
        return 0
    except pika.exceptions.ChannelClosedByBroker as e:
        # 404 NOT_FOUND: the exchange does not exist yet, the Orchestrator has never run on this virtual host.
        print(f"the broker closed the channel: {e.reply_code} {e.reply_text}", file=sys.stderr)
        return 1
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
