// Carrying a decision set in a NATS message header (DISTRIBUTION.md §5): the
// gateway decides once and publishes `orders.created` with the token in the
// `Vexil-Decisions` header; a consumer reads the header and acts on the
// carried decision, however long the message waited in between.
//
//   vexil serve examples/migration.vx --signing-key gateway.jwk &
//   nats-server -a 127.0.0.1 -p 4222 &
//   node web/examples/carry-nats.mjs --server http://127.0.0.1:8080 --keys keys.json --nats nats://127.0.0.1:4222

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { connect, headers, StringCodec } from "nats";

import { CONTEXT } from "./carry-http.mjs";
import { HEADER, decideAtGateway, downstreamClient, options } from "./downstream.mjs";

const codec = StringCodec();

/** Publishes one order with the decision set in its header. */
export function publishOrder(connection, subject, order, token) {
  const h = headers();
  h.set(HEADER, token);
  connection.publish(subject, codec.encode(JSON.stringify(order)), { headers: h });
}

/** Consumes `count` orders; each is handled with the decisions its message carried. */
export async function consumeOrders(connection, subject, client, count, beforeHandling = async () => {}) {
  const subscription = connection.subscribe(subject, { max: count });
  const handled = [];
  for await (const message of subscription) {
    await beforeHandling();
    const order = JSON.parse(codec.decode(message.data));
    const token = message.headers?.get(HEADER) || undefined;
    const details = await client.getStringDetails("customer_write_mode", "LEGACY_ONLY", { ...CONTEXT, service: { name: "consumer" }, vexilDecisions: token });
    handled.push({ order: order.id, write_mode: details.value, carried: details.flagMetadata.carried === true, cid: details.flagMetadata.cid });
  }
  return handled;
}

/** The whole flow over a NATS server; returns how the consumer handled the order. */
export async function carryOverNats({ server, keys, nats, beforeHandling }) {
  const refused = [];
  const client = await downstreamClient("carry-nats", { server, keys, onRefused: (e) => refused.push(e.code) });
  const connection = await connect({ servers: nats });
  try {
    const consumed = consumeOrders(connection, "orders.created", client, 1, beforeHandling);
    const token = await decideAtGateway(server, { context: CONTEXT, flags: ["customer_write_mode"], cid: "order-43" });
    publishOrder(connection, "orders.created", { id: "order-43", total: 129.5 }, token);
    return { handled: await consumed, refused };
  } finally {
    await connection.drain();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { server, keys, nats } = options(process.argv.slice(2), ["server", "keys", "nats"]);
  const { OpenFeature } = await import("@openfeature/server-sdk");
  const { handled } = await carryOverNats({ server, keys: readFileSync(keys, "utf8"), nats });
  for (const h of handled) console.log(`consumer: ${h.order} written ${h.write_mode} (carried: ${h.carried}, cid ${h.cid})`);
  await OpenFeature.close();
}
