import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  method?: string;
  path?: string;
  contentType?: string;
  body: string;
  /** The test's clock when the request arrived (`clock` given to `startLocalWebhook`), else wall time. */
  at: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A stand-in for a Slack incoming webhook on 127.0.0.1: records every request and answers with
 * the scripted responses in order, then `200 ok` (Slack's success body) once the script is used up.
 */
export interface LocalWebhook {
  /** A webhook-shaped URL; its token part lets tests check it never leaks. */
  url: string;
  received: ReceivedPost[];
  /** Replaces the remaining script. */
  script(...responses: ScriptedResponse[]): void;
  /** Answers every request with this until cleared (undefined). */
  always: ScriptedResponse | undefined;
  stop(): Promise<void>;
}

export async function startLocalWebhook(clock: () => number = Date.now, token = 'XXXXsecretTOKENvalue'): Promise<LocalWebhook> {
  let queue: ScriptedResponse[] = [];
  const state: LocalWebhook = {
    url: '',
    received: [],
    script: (...responses) => {
      queue = [...responses];
    },
    always: undefined,
    stop: () => Promise.resolve(),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.received.push({
        method: req.method,
        path: req.url,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
        at: clock(),
      });
      const answer = state.always ?? queue.shift() ?? { status: 200, body: 'ok' };
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0000/B0000/${token}`;
  state.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
