import type { FastifyInstance } from 'fastify';
import type { Arch } from '../../hive/names.js';
import { baseUrl, type Catalog, type MirrorOverrides } from '../../ingest/catalog.js';
import { resolveUname } from '../../ingest/uname.js';
import { archSchema, errorResponses } from './schemas.js';

export interface ReleaseRouteDeps {
  catalog: Catalog;
  mirrors: MirrorOverrides;
  releaseOrder: readonly string[];
}

const resolutionSchema = {
  type: 'object',
  required: ['release', 'version', 'arch', 'candidates'],
  properties: {
    release: { type: 'string' },
    version: { type: 'string' },
    arch: archSchema,
    candidates: { type: 'array', items: { type: 'string' } },
  },
} as const;

const releaseSchema = {
  type: 'object',
  required: ['name', 'format', 'bases', 'versions'],
  properties: {
    name: { type: 'string' },
    format: { type: 'string', enum: ['rpm', 'deb'] },
    bases: { type: 'object', additionalProperties: { type: 'string' } },
    versions: { type: 'array', items: { type: 'string' } },
    uname: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** The repository a catalog entry reads, as a short name: `8.10/BaseOS/{arch}/debug`, `bookworm/main`. */
const repoName = (r: Catalog[string]['repos'][number]) =>
  r.kind === 'deb' ? `${r.suite}/${r.component}` : r.path;

/** `GET /releases` (the catalog as this server uses it) and `GET /releases/resolve` (what a `uname -r` is). */
export async function releaseRoutes(app: FastifyInstance, deps: ReleaseRouteDeps): Promise<void> {
  app.get(
    '/releases',
    {
      schema: {
        summary:
          'Releases this server can ingest from: their repositories and mirror bases (after overrides)',
        operationId: 'listReleases',
        tags: ['ingest'],
        response: {
          200: {
            description: 'Each release: package format, mirror bases, the repositories read, uname patterns',
            examples: [
              {
                releases: [
                  {
                    name: 'debian',
                    format: 'deb',
                    bases: {
                      default: 'https://deb.debian.org/debian',
                      security: 'https://security.debian.org/debian-security',
                    },
                    versions: [
                      'trixie/main',
                      'trixie-security/main',
                      'bookworm/main',
                      'bookworm-security/main',
                    ],
                    uname: [],
                  },
                ],
              },
            ],
            type: 'object',
            required: ['releases'],
            properties: { releases: { type: 'array', items: releaseSchema } },
          },
        },
      },
    },
    async () => ({
      releases: Object.entries(deps.catalog).map(([name, spec]) => ({
        name,
        format: spec.format,
        bases: Object.fromEntries(
          Object.keys(spec.bases).map((b) => [
            b,
            baseUrl(name, spec, { kind: 'listing', path: '', base: b }, deps.mirrors),
          ]),
        ),
        versions: spec.repos.map(repoName),
        uname: spec.uname ?? [],
      })),
    }),
  );

  app.get<{ Querystring: { uname: string; arch?: Arch } }>(
    '/releases/resolve',
    {
      schema: {
        summary: 'Which release a host’s `uname -r` belongs to (from the distributions’ version conventions)',
        operationId: 'resolveRelease',
        tags: ['ingest'],
        querystring: {
          type: 'object',
          required: ['uname'],
          additionalProperties: false,
          properties: {
            uname: { type: 'string', maxLength: 256, examples: ['6.1.0-56-amd64'] },
            arch: archSchema,
          },
        },
        response: {
          200: {
            ...resolutionSchema,
            description: 'The release and package version that kernel comes from',
            examples: [
              { release: 'debian', version: '6.1.0-56-amd64', arch: 'x86_64', candidates: ['debian'] },
            ],
          },
          ...errorResponses(400),
        },
      },
    },
    async (request) =>
      resolveUname(request.query.uname, {
        catalog: deps.catalog,
        arch: request.query.arch,
        order: deps.releaseOrder,
      }),
  );
}
