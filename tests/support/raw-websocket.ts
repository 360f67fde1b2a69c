/**
 * A websocket client that writes raw frames, for feeding the companion what a
 * well-behaved client library never sends: invalid UTF-8, bad opcodes,
 * fragment floods, garbage bytes. It reads the server's close frame.
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface RawSocket {
  /** Writes one client frame (masked, as the protocol requires). */
  frame(opcode: number, payload: Buffer, fin?: boolean): void;
  write(bytes: Buffer): void;
  /** Text messages the server sent. */
  messages: string[];
  /** Resolves when the connection ends: the close code and reason, if the server sent a close frame. */
  closed: Promise<{ code: number | null; reason: string }>;
  /** Resolves when the server's close frame was read (the server may keep the socket open a while after). */
  closeFrame: Promise<{ code: number | null; reason: string }>;
  /** Stops reading (the server's writes back up), and reads again. */
  pause(): void;
  resume(): void;
  destroy(): void;
}

export async function rawWebSocket(port: number): Promise<RawSocket> {
  const socket: Socket = connect(port, "127.0.0.1");
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => undefined);
  const key = randomBytes(16).toString("base64");
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: heatlens.v1\r\n\r\n`,
  );
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let close: { code: number | null; reason: string } | null = null;
  const messages: string[] = [];
  let onUpgrade: () => void = () => undefined;
  let onCloseFrame: (close: { code: number | null; reason: string }) => void = () => undefined;
  const closeFrame = new Promise<{ code: number | null; reason: string }>((resolve) => {
    onCloseFrame = resolve;
  });
  const upgradedPromise = new Promise<void>((resolve) => {
    onUpgrade = resolve;
  });
  socket.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      if (!buffer.subarray(0, end).toString().startsWith("HTTP/1.1 101")) throw new Error("upgrade refused");
      upgraded = true;
      buffer = buffer.subarray(end + 4);
      onUpgrade();
    }
    // Server frames are not masked.
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = (buffer[0] as number) & 0x0f;
      let length = (buffer[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      const payload = buffer.subarray(offset, offset + length);
      buffer = buffer.subarray(offset + length);
      if (opcode === 1) messages.push(payload.toString());
      if (opcode === 8) {
        close = { code: payload.length >= 2 ? payload.readUInt16BE(0) : null, reason: payload.subarray(2).toString() };
        onCloseFrame(close);
      }
    }
  });
  const closed = new Promise<{ code: number | null; reason: string }>((resolve) =>
    socket.once("close", () => resolve(close ?? { code: null, reason: "" })),
  );
  await upgradedPromise;
  const write = (bytes: Buffer) => {
    if (!socket.destroyed) socket.write(bytes);
  };
  return {
    messages,
    closed,
    closeFrame,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    write,
    frame(opcode, payload, fin = true) {
      const mask = randomBytes(4);
      const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
      let header: Buffer;
      if (payload.length < 126) header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | payload.length]);
      else if (payload.length < 65536) {
        header = Buffer.alloc(4);
        header[0] = (fin ? 0x80 : 0) | opcode;
        header[1] = 0x80 | 126;
        header.writeUInt16BE(payload.length, 2);
      } else {
        header = Buffer.alloc(10);
        header[0] = (fin ? 0x80 : 0) | opcode;
        header[1] = 0x80 | 127;
        header.writeBigUInt64BE(BigInt(payload.length), 2);
      }
      write(Buffer.concat([header, mask, masked]));
    },
    destroy: () => socket.destroy(),
  };
}
