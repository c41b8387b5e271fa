// Node's ES-module entry: the Node build (pkg-node, CommonJS, which loads its
// .wasm from disk synchronously) re-exported, plus an `init` that does
// nothing, so code written for browsers (`await init()` first) runs here
// unchanged.
export * from "../pkg-node/vexil.js";

/** Browsers fetch and instantiate the module here; Node already has it. */
export default async function init() {}
