// SPDX-License-Identifier: Apache-2.0
/** What the speaker's main hands to each protocol agent (L2 and BGP). */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { EventRecorder } from '../../../lib/event-recorder.js';
import type { Logger } from '../../../lib/log.js';
import { SpeakerInformers } from './informers.js';

/** The `source.component` of the speaker's Events. */
export const COMPONENT = 'metallb-speaker';

export interface SpeakerContext {
  readonly kubeConfig: KubeConfig;
  /** This node's name (from the NODE_NAME env, a fieldRef to spec.nodeName). */
  readonly nodeName: string;
  /** The module namespace, d8-metallb. */
  readonly namespace: string;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly env: NodeJS.ProcessEnv;
  /** The node's one Event recorder, shared by the agents. */
  readonly events: EventRecorder;
  /** The one informer set the agents read. */
  readonly informers: SpeakerInformers;
}

/** The context of the speaker on `nodeName`. */
export function speakerContext(o: Omit<SpeakerContext, 'events' | 'informers'>): SpeakerContext {
  const events = new EventRecorder(o.kubeConfig.makeApiClient(CoreV1Api), { component: COMPONENT, instance: o.nodeName, host: o.nodeName }, o.log);
  return { ...o, events, informers: new SpeakerInformers(o.kubeConfig, o.log) };
}

/** A running protocol agent. */
export interface SpeakerAgent {
  /** True, or why the agent is stuck (then /healthz fails and the kubelet restarts the speaker). */
  healthy?(): true | string;
  stop(): Promise<void>;
}
