/** Reading a Server-Sent Events stream (the console's `/console/events`) in a test, event by event. */

/** Reads Server-Sent Events from `res` until `until` accepts one; fails naming `what` after `limitMs`. */
export async function readEvents(res: Response, until: (event: string, data: unknown) => boolean, what: string, limitMs = 20_000): Promise<void> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = setTimeout(() => void reader.cancel(new Error(`no ${what} within ${limitMs} ms`)), limitMs);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before ${what}`);
      text += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as unknown;
        if (until(event, data)) return;
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => undefined);
  }
}
