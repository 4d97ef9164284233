import type { ErrorName } from '../errors/codes.js';

/** One `ko` build, as the pool sends it to a builder thread. */
export interface KoRequest {
  id: number;
  uploads: { fileName: string; data: Uint8Array }[];
  kernelBtfFile: string | undefined;
  /** Scratch directory of this build (the pool removes it). */
  workDir: string;
  /** Date.now() past which the build is over. */
  deadline: number;
  maxMemberRows: number;
}

export type KoReply =
  | { id: number; ok: true; db: Buffer }
  | { id: number; ok: false; kind: ErrorName; message: string };
