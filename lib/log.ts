// SPDX-License-Identifier: Apache-2.0
/** Structured JSON logging (pino) with the fixed subject keys: component, service, ip, node, peer, pool, interface. */
import pino from 'pino';

export type Logger = pino.Logger;

export function newLogger(component: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime });
}
