import type { FastifyBaseLogger } from 'fastify';
import type { Arch } from '../../hive/names.js';
import type { HiveRegistry } from '../../hive/registry.js';
import type { KernelLookup } from '../../lookup/kernel-lookup.js';

/** One request object after the common checks (cmd known, ver and arch valid). */
export interface LbcRequest {
  cmd: string;
  ver: string;
  arch: Arch;
  /** The request object as sent (own properties only); handlers validate what they read. */
  fields: Readonly<Record<string, unknown>>;
}

export interface LbcContext {
  lookup: KernelLookup;
  registry: HiveRegistry;
  log: FastifyBaseLogger;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** performance.now() by which the whole answer is due: items that wait (compiles) share it. */
  answerBy: number;
  /** The request's Authorization header (commands that need a token check it). */
  authorization: string | undefined;
  /** Bytes the answer may still grow by: a command with a large payload checks it before reading one. */
  answerRoom(): number;
}

/** A result object, or its JSON already serialized (cached answers). Must carry `log`. */
export type LbcAnswer = Record<string, unknown> | Buffer;

export type LbcCommand = (req: LbcRequest, ctx: LbcContext) => LbcAnswer | Promise<LbcAnswer>;

/** Command name → handler. `buildApp({ lbcCommands })` adds or replaces entries. */
export type LbcCommandTable = Record<string, LbcCommand>;
