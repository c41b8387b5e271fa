// What every downstream service of the carrying examples shares: an
// OpenFeature client whose provider answers carried decisions from the
// verified token and asks `vexil serve` (OFREP) for every other flag.

import { OpenFeature } from "@openfeature/server-sdk";
import { OFREPProvider } from "@openfeature/ofrep-provider";

import { CarriedDecisionsProvider } from "../sign/carried-provider.mjs";

/** The header (HTTP, NATS, Kafka) that carries a decision set (DISTRIBUTION.md §5). */
export const HEADER = "Vexil-Decisions";

/**
 * An OpenFeature client for one service. `keys` is the gateway's public JWK
 * Set (`vexil keys public`); `server` the `vexil serve` URL for flags the
 * token does not carry.
 */
export async function downstreamClient(service, { server, keys, onRefused }) {
  const provider = new CarriedDecisionsProvider({ delegate: new OFREPProvider({ baseUrl: server }), keys, onRefused });
  await OpenFeature.setProviderAndWait(service, provider);
  return OpenFeature.getClient(service);
}

/** Gateway side: one call decides the workflow's flags and signs them. */
export async function decideAtGateway(server, body) {
  const response = await fetch(`${server}/v1/decisions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`POST /v1/decisions: ${response.status} ${JSON.stringify(answer)}`);
  return answer.token;
}

/** Reads `--name value` options. */
export function options(argv, names) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (!names.includes(name) || i + 1 >= argv.length) throw new Error(`usage: ${names.map((n) => `--${n} VALUE`).join(" ")}`);
    out[name] = argv[++i];
  }
  return out;
}
