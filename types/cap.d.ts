// Minimal typings for the `cap` libpcap binding (it ships none).
declare module 'cap' {
  import { EventEmitter } from 'node:events';
  export class Cap extends EventEmitter {
    open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
    setMinBytes(n: number): void;
    send(buffer: Buffer, nBytes?: number): void;
    close(): void;
    on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
    static deviceList(): Array<{ name: string; addresses: Array<{ addr: string }> }>;
    static findDevice(ip?: string): string | undefined;
  }
  export const decoders: unknown;
}
