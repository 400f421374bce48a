import net from 'node:net';

/**
 * TCP servers on 127.0.0.1 that are not a working PostgreSQL, for the start-up failures a
 * deploy meets: one that accepts and never answers, one that hangs up at once, one that speaks
 * HTTP, one that asks for a password (as a real server would) and then says nothing more.
 */
export type FakeServerKind = 'silent' | 'hang-up' | 'http' | 'asks-password';

export interface FakeServer {
  port: number;
  url(database?: string, extra?: string): string;
  close(): Promise<void>;
}

export async function startFakeServer(kind: FakeServerKind): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (kind === 'hang-up') socket.destroy();
    if (kind === 'http') {
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    }
    if (kind === 'asks-password') {
      // After the start-up message: AuthenticationSASL offering SCRAM-SHA-256, as PostgreSQL does.
      let messages = 0;
      socket.on('data', () => {
        if (++messages === 2) {
          // The client's SASLInitialResponse: answer with a server-first-message, at which
          // point a client with no password has to give up.
          const body = Buffer.from('r=abcdefghijklmnopqrstuvwx,s=c2FsdHNhbHQ=,i=4096');
          const head = Buffer.alloc(9);
          head.write('R', 0);
          head.writeInt32BE(8 + body.length, 1);
          head.writeInt32BE(11, 5);
          socket.write(Buffer.concat([head, body]));
          return;
        }
        if (messages !== 1) return;
        const mechanism = Buffer.from('SCRAM-SHA-256\0\0');
        const message = Buffer.alloc(1 + 4 + 4);
        message.write('R', 0);
        message.writeInt32BE(4 + 4 + mechanism.length, 1);
        message.writeInt32BE(10, 5);
        socket.write(Buffer.concat([message, mechanism]));
      });
    }
    // 'silent': accept, read, never answer.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: (database = 'app', extra = '') => `postgres://migrator@127.0.0.1:${port}/${database}${extra}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
