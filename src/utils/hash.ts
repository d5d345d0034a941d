/**
 * FNV-1a, 32 bits, as 8 hex digits. Used to tell credentials apart in bucket keys and channel
 * names without putting the credential itself anywhere: not a security boundary, only a label.
 */
export function hashString(value: string): string {
  let hash = 0x81_1c_9d_c5;
  for (let index = 0; index < value.length; index++) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01_00_01_93);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
