// The files in a zip archive, read from its central directory, so tests need no unzip tool.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

interface Entry {
  readonly name: string;
  /** 0: stored, 8: deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly localHeader: number;
}

function centralDirectory(zip: Buffer, path: string): Entry[] {
  // The end record is the last 22 bytes, unless an archive comment follows it.
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  if (end < 0) throw new Error(`${path} is not a zip archive`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY) throw new Error(`${path}: broken central directory`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      localHeader: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

export function zipEntries(path: string): string[] {
  return centralDirectory(readFileSync(path), path).map((entry) => entry.name);
}

/** One file's contents, as the function would find it once Lambda unpacks the archive. */
export function zipEntry(path: string, name: string): Buffer {
  const zip = readFileSync(path);
  const entry = centralDirectory(zip, path).find((e) => e.name === name);
  if (!entry) throw new Error(`${path} has no ${name}`);
  const header = entry.localHeader;
  if (zip.readUInt32LE(header) !== LOCAL_FILE_HEADER) throw new Error(`${path}: broken local header for ${name}`);
  const start = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`${path}: ${name} is compressed with method ${entry.method}`);
}
