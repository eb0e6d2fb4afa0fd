// SPDX-License-Identifier: Apache-2.0
/** `Status` bodies and codes as the real API server returns them (k8s.io/apimachinery/pkg/api/errors). */

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

/** A failed request: thrown by the handlers, written by the router as a Status body. */
export class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: StatusBody['details']) {
    super(message);
    this.name = 'StatusError';
  }

  toBody(): StatusBody {
    const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** The resource a message is about, as `pods`, `services "x"` or `metalloadbalancerclasses.network.deckhouse.io "x"`. */
export interface Subject {
  group: string;
  resource: string;
  kind?: string;
  name?: string;
}

function qualified(s: Subject): string {
  return s.group ? `${s.resource}.${s.group}` : s.resource;
}

function details(s: Subject): NonNullable<StatusBody['details']> {
  const d: NonNullable<StatusBody['details']> = { group: s.group, kind: s.resource };
  if (s.name !== undefined) d.name = s.name;
  return d;
}

export function notFound(s: Subject): StatusError {
  return new StatusError(404, 'NotFound', `${qualified(s)} "${s.name ?? ''}" not found`, details(s));
}

export function alreadyExists(s: Subject): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualified(s)} "${s.name ?? ''}" already exists`, details(s));
}

export function conflict(s: Subject, why: string): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(s)} "${s.name ?? ''}": ${why}`, details(s));
}

/** 422 with one cause per field, message `The Kind "name" is invalid: a: x, b: y` (several causes are bracketed). */
export function invalid(s: Subject & { kind: string }, causes: StatusCause[]): StatusError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const text = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const d: NonNullable<StatusBody['details']> = { group: s.group, kind: s.kind, causes };
  if (s.name !== undefined) d.name = s.name;
  return new StatusError(422, 'Invalid', `${s.kind}${s.group ? `.${s.group}` : ''} "${s.name ?? ''}" is invalid: ${text}`, d);
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(verb: string, s: Subject): StatusError {
  return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualified(s)}"`, details(s));
}

export function unsupportedMediaType(type: string): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got "${type}")`);
}

export function notFoundPath(path: string): StatusError {
  return new StatusError(404, 'NotFound', `the server could not find the requested resource (${path})`, { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });
}

/** A Success Status, as DELETE of a collection or of a namespaced object with no body returns. */
export function success(s: Subject & { uid?: string }): StatusBody {
  const d = details(s);
  if (s.uid) d.uid = s.uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: '', reason: '', details: d, code: 200 };
}
