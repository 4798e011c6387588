/**
 * A load balancer for tests, standing in for nginx or Caddy in front of
 * several app servers: a TCP proxy on a free loopback port (node:net).
 *
 * Each NEW connection goes to the next backend, round robin, over the
 * backends marked up; its bytes then flow both ways untouched, so HTTP,
 * WebSocket (Yjs) and socket.io pass through as they are, and the
 * connection stays with its backend until one side closes it (as with a
 * real balancer: a drained server's clients reconnect, and their new
 * connections land elsewhere). When a backend refuses, the next one up is
 * tried; when none takes it, the client's connection is closed at once.
 *
 *   const lb = await startLb([a.port]);   // clients use lb.url
 *   lb.set([b.port]);                     // rolling restart: new connections go to b
 *   lb.down(a.port); lb.up(a.port);       // or mark one out and in again
 *   await lb.stop();
 *
 * Clients that check the Origin should send lb.url's origin (the app sees
 * the balancer's Host, as behind a real one without X-Forwarded-Host).
 */
import net from "node:net";

export interface Lb {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Replace the backends (loopback ports); all marked up. Open connections stay where they are. */
  set(ports: number[]): void;
  /** Take a backend out of (down) or back into (up) the rotation for new connections. */
  down(port: number): void;
  up(port: number): void;
  /** The backends that take new connections now. */
  upPorts(): number[];
  /** Connections forwarded to each backend since start, and those open now. */
  stats(): { forwarded: Record<number, number>; refused: number; open: number };
  /** Stop listening and cut every open connection. */
  stop(): Promise<void>;
}

export async function startLb(ports: number[] = []): Promise<Lb> {
  let backends = ports.map((port) => ({ port, up: true }));
  let next = 0;
  let refused = 0;
  const forwarded: Record<number, number> = {};
  const open = new Set<net.Socket>();

  const candidates = () => {
    const up = backends.filter((b) => b.up);
    // Start at the next one in turn, then the others in order.
    const start = up.length ? next++ % up.length : 0;
    return [...up.slice(start), ...up.slice(0, start)].map((b) => b.port);
  };

  /**
   * Connect to the first backend of `ports` that accepts; null when none does.
   * From the client's own loopback address (`from`, e.g. 127.0.0.2): the
   * app sees the address the client connected from, as behind a real
   * balancer that forwards it (tests count per client address).
   */
  function dial(ports: number[], from: string | undefined): Promise<{ socket: net.Socket; port: number } | null> {
    const [port, ...rest] = ports;
    if (port === undefined) return Promise.resolve(null);
    return new Promise((resolve) => {
      const s = net.connect({ port, host: "127.0.0.1", localAddress: from });
      s.once("connect", () => {
        s.removeAllListeners("error");
        resolve({ socket: s, port });
      });
      s.once("error", () => {
        s.destroy();
        resolve(dial(rest, from));
      });
    });
  }

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    const from = client.remoteAddress?.replace(/^::ffff:/, "");
    void dial(candidates(), from && /^127\./.test(from) ? from : undefined).then((backend) => {
      if (!backend || client.destroyed) {
        backend?.socket.destroy();
        refused++;
        client.destroy();
        return;
      }
      const { socket, port } = backend;
      // No Nagle on either leg, as nginx (tcp_nodelay, on by default) and Caddy do: with it, a small
      // write (a frame, a close frame) that followed unacknowledged bytes waited for the peer's delayed
      // ACK, so a hostile frame's 4400 came 3 ms after the frame at the median and 24 ms at the 90th
      // percentile (tests/hostile/frames.test.ts on PostgreSQL took twice as long).
      client.setNoDelay(true);
      socket.setNoDelay(true);
      forwarded[port] = (forwarded[port] ?? 0) + 1;
      open.add(socket);
      socket.once("close", () => open.delete(socket));
      socket.on("error", () => socket.destroy());
      // Either side's end ends the other after what is still on its way (a close frame, the last
      // response, what a backend sent just before it was killed: a proxy delivers what it has read).
      // A client that fails cuts its backend: nobody is left to deliver to. A backend that goes away
      // drops its clients.
      client.once("close", (hadError) => (hadError ? socket.destroy() : socket.end()));
      socket.once("close", () => client.end());
      client.pipe(socket);
      socket.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;

  const mark = (p: number, up: boolean) => {
    for (const b of backends) if (b.port === p) b.up = up;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    set(ports) {
      backends = ports.map((p) => ({ port: p, up: true }));
    },
    down: (p) => mark(p, false),
    up: (p) => mark(p, true),
    upPorts: () => backends.filter((b) => b.up).map((b) => b.port),
    stats: () => ({ forwarded: { ...forwarded }, refused, open: open.size }),
    stop() {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
