// Starts the Hocuspocus server as its documentation shows, in memory (no
// extensions), on PORT. Lives here so that `@hocuspocus/server` resolves
// from this folder's node_modules.
import { Server } from "@hocuspocus/server";

const server = new Server({ port: Number(process.env.PORT), address: process.env.HOST ?? "127.0.0.1", quiet: true });
await server.listen();
console.log(JSON.stringify({ ready: `http://127.0.0.1:${process.env.PORT}` }));
