import { readFile, writeFile } from 'node:fs/promises';

/** Minimal WAV I/O for μ-law 8 kHz mono files (fixtures and what a simulated caller heard). */

export async function readMulawWav(file: string): Promise<Buffer> {
  const bytes = await readFile(file);
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file} is not a WAV file`);
  let offset = 12;
  let format: { code: number; channels: number; rate: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') format = { code: bytes.readUInt16LE(body), channels: bytes.readUInt16LE(body + 2), rate: bytes.readUInt32LE(body + 4) };
    if (id === 'data') {
      if (!format || format.code !== 7 || format.channels !== 1 || format.rate !== 8000)
        throw new Error(`${file} must be μ-law, 8 kHz, mono`);
      return bytes.subarray(body, body + size);
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${file} has no data chunk`);
}

export async function writeMulawWav(file: string, mulaw: Buffer): Promise<void> {
  const header = Buffer.alloc(46);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(38 + mulaw.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36);
  header.write('data', 38, 'ascii');
  header.writeUInt32LE(mulaw.length, 42);
  await writeFile(file, Buffer.concat([header, mulaw]));
}
