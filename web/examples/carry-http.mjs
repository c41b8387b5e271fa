// Carrying a decision set through an HTTP hop (DISTRIBUTION.md §5).
//
//   gateway ──POST /v1/decisions──▶ vexil serve        (decides once, signs)
//   gateway ──Vexil-Decisions──▶ orders ──Vexil-Decisions──▶ billing
//
// `orders` and `billing` read `customer_write_mode` through OpenFeature: the
// carried decision answers it (the same value in both, even if the rules
// change between the hops); flags the token does not carry go to the server.
//
//   vexil keys generate --kid gw > gateway.jwk && vexil keys public gateway.jwk > keys.json
//   vexil serve examples/migration.vx --signing-key gateway.jwk &
//   node web/examples/carry-http.mjs --server http://127.0.0.1:8080 --keys keys.json

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";

import { HEADER, decideAtGateway, downstreamClient, options } from "./downstream.mjs";

export const CONTEXT = {
  tenant: { id: "t-7", region: "us_east", tier: "pro", created: "2025-01-01T00:00:00Z", record_count: 5000 },
  service: { name: "orders" },
};

/** Starts a service on a free loopback port: it decides with the carried set and calls `next` with the same header. */
export async function startService(name, { client, next }) {
  const server = createServer(async (request, response) => {
    const token = request.headers[HEADER.toLowerCase()];
    const details = await client.getStringDetails("customer_write_mode", "LEGACY_ONLY", { ...CONTEXT, service: { name }, vexilDecisions: token });
    const batch = await client.getNumberValue("customer_backfill_batch", 0, { ...CONTEXT, service: { name }, vexilDecisions: token });
    const mine = { service: name, write_mode: details.value, carried: details.flagMetadata.carried === true, ruleset_version: details.flagMetadata.ruleset_version, batch };
    let downstream = [];
    if (next) {
      // The one rule of carrying: pass the header on with the work.
      const reply = await fetch(next, { headers: token ? { [HEADER]: token } : {} });
      downstream = await reply.json();
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify([mine, ...downstream]));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The whole flow; returns what each service decided, with and without the token. */
export async function carryOverHttp({ server, keys, beforeHop = async () => {} }) {
  const refused = [];
  const client = await downstreamClient("carry-http", { server, keys, onRefused: (e) => refused.push(e.code) });
  const billing = await startService("billing", { client });
  const orders = await startService("orders", { client, next: billing.url });
  try {
    const token = await decideAtGateway(server, { context: CONTEXT, flags: ["customer_write_mode"], cid: "order-42", ttl: 300 });
    await beforeHop();
    const carried = await (await fetch(orders.url, { headers: { [HEADER]: token } })).json();
    const uncarried = await (await fetch(orders.url)).json();
    return { token, carried, uncarried, refused };
  } finally {
    await orders.close();
    await billing.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { server, keys } = options(process.argv.slice(2), ["server", "keys"]);
  const { OpenFeature } = await import("@openfeature/server-sdk");
  const result = await carryOverHttp({ server, keys: readFileSync(keys, "utf8") });
  for (const hop of result.carried) console.log(`with the token:    ${hop.service} writes ${hop.write_mode} (carried: ${hop.carried}, ruleset ${hop.ruleset_version}), backfill batch ${hop.batch}`);
  for (const hop of result.uncarried) console.log(`without the token: ${hop.service} writes ${hop.write_mode} (decided by the server)`);
  await OpenFeature.close();
}
