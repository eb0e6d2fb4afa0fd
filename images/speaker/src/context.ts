// SPDX-License-Identifier: Apache-2.0
/** What the speaker's main hands to each protocol agent (L2 and BGP). */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Logger } from '../../../lib/log.js';

export interface SpeakerContext {
  readonly kubeConfig: KubeConfig;
  /** This node's name (from the NODE_NAME env, a fieldRef to spec.nodeName). */
  readonly nodeName: string;
  /** The module namespace, d8-metallb. */
  readonly namespace: string;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly env: NodeJS.ProcessEnv;
}

/** A running protocol agent. */
export interface SpeakerAgent {
  /** True, or why the agent is stuck (then /healthz fails and the kubelet restarts the speaker). */
  healthy?(): true | string;
  stop(): Promise<void>;
}
