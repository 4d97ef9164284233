import type { FastifyInstance } from 'fastify';
import { btfhubPlace } from '../../btfhub/place.js';
import { kernelBtf, moduleBtf } from '../../buildid/btf-bytes.js';
import { SurfhiveError } from '../../errors/codes.js';
import { type Arch, isVer } from '../../hive/names.js';
import type { KernelEntry } from '../../hive/registry.js';
import { moduleBuildIds } from '../../kernel-db/module-btf.js';
import { metaTable } from '../../lookup/queries.js';
import { errorResponses, fileResponses, pageOf, paging } from '../rest/schemas.js';
import { sendHiveFile } from '../rest/send-file.js';
import type { BtfDeps } from './deps.js';

const KERNEL_SUFFIX = '.btf.tar.xz';
const MODULES_SUFFIX = '.modules.btf.tar.xz';
const SEGMENT = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

interface Listed {
  distro: string;
  version: string;
  arch: string;
  kernel: string;
  release: string;
  url: string;
  modulesUrl?: string;
}

const dbIdentity = (k: KernelEntry) => {
  const db = k.artifacts.db;
  const btf = k.artifacts.btf;
  return `${k.arch}\0${k.ver}\0${db?.ino}\0${db?.mtimeMs}\0${btf?.ino}\0${btf?.mtimeMs}`;
};

/**
 * An archive laid out as BTFHub's: `/btfhub/<distro>/<version>/<arch>/<kernel>.btf.tar.xz`
 * holding `<kernel>.btf` (raw BTF), so a tool given a BTFHub base URL can use
 * this server; module split BTF alongside in `<kernel>.modules.btf.tar.xz`.
 */
export async function btfhubRoutes(app: FastifyInstance, deps: BtfDeps): Promise<void> {
  const meta = (k: KernelEntry) =>
    k.release === 'local' && k.artifacts.db ? deps.lookup.query(k, metaTable) : {};
  const modules = (k: KernelEntry) =>
    k.artifacts.db ? deps.lookup.query(k, (h) => moduleBuildIds(h.db)) : [];

  const listed = (k: KernelEntry): Listed | undefined => {
    if (!k.artifacts.btf) return undefined;
    const place = btfhubPlace(k, meta(k));
    if (!place) return undefined;
    const base = `/btfhub/${place.distro}/${place.version}/${place.arch}/${k.ver}`;
    return {
      ...place,
      kernel: k.ver,
      release: k.release,
      url: `${base}${KERNEL_SUFFIX}`,
      ...(modules(k).length > 0 ? { modulesUrl: `${base}${MODULES_SUFFIX}` } : {}),
    };
  };

  app.get<{ Querystring: { limit: number; offset: number } }>(
    '/btfhub',
    {
      schema: {
        summary: 'Every kernel in the BTFHub-shaped archive',
        operationId: 'listBtfhub',
        tags: ['btf'],
        querystring: { type: 'object', additionalProperties: false, properties: paging },
        response: {
          200: {
            description: 'One page of the archive: where each kernel lives in BTFHub layout',
            examples: [
              {
                total: 1,
                offset: 0,
                limit: 50,
                items: [
                  {
                    distro: 'debian',
                    version: '12',
                    arch: 'x86_64',
                    kernel: '6.1.0-56-amd64',
                    release: 'debian',
                    url: '/btfhub/debian/12/x86_64/6.1.0-56-amd64.btf.tar.xz',
                  },
                ],
              },
            ],
            ...pageOf({
              type: 'object',
              required: ['distro', 'version', 'arch', 'kernel', 'release', 'url'],
              properties: {
                distro: { type: 'string' },
                version: { type: 'string' },
                arch: { type: 'string' },
                kernel: { type: 'string' },
                release: { type: 'string' },
                url: { type: 'string' },
                modulesUrl: { type: 'string' },
              },
            }),
          },
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      await deps.registry.refreshIfChanged();
      const { limit, offset } = request.query;
      const all = deps.registry.list();
      const items: Listed[] = [];
      let total = 0;
      for (const k of all) {
        const l = listed(k);
        if (!l) continue;
        if (total >= offset && items.length < limit) items.push(l);
        total++;
      }
      return { total, offset, limit, items };
    },
  );

  app.get<{ Params: { distro: string; version: string; arch: string; file: string } }>(
    '/btfhub/:distro/:version/:arch/:file',
    {
      schema: {
        summary: "One kernel's BTF (`<kernel>.btf.tar.xz`) or its modules' (`<kernel>.modules.btf.tar.xz`)",
        operationId: 'downloadBtfhubArchive',
        tags: ['btf'],
        params: {
          type: 'object',
          required: ['distro', 'version', 'arch', 'file'],
          additionalProperties: false,
          properties: {
            distro: { type: 'string', pattern: SEGMENT, examples: ['debian'] },
            version: { type: 'string', pattern: SEGMENT, examples: ['12'] },
            arch: { type: 'string', enum: ['x86_64', 'arm64'], examples: ['x86_64'] },
            file: {
              type: 'string',
              pattern: '^[0-9][A-Za-z0-9._+~-]{0,160}\\.btf\\.tar\\.xz$',
              examples: ['6.1.0-56-amd64.btf.tar.xz'],
            },
          },
        },
        response: {
          ...fileResponses('application/x-xz', 'The archive: one .btf file, or one per module'),
          ...errorResponses(400, 404, 409, 412, 416, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { distro, version, arch, file } = request.params;
      const wantModules = file.endsWith(MODULES_SUFFIX);
      const ver = file.slice(0, -(wantModules ? MODULES_SUFFIX : KERNEL_SUFFIX).length);
      if (!isVer(ver)) throw new SurfhiveError('INVALID_FIELD', 'not a kernel file name');
      const k = await deps.lookup.kernel((arch === 'arm64' ? 'aarch64' : arch) as Arch, ver);
      const place = listed(k);
      if (!place || place.distro !== distro || place.version !== version)
        throw new SurfhiveError('ARTIFACT_NOT_FOUND', `no ${distro}/${version} kernel ${ver} for ${arch}`);
      if (wantModules && !place.modulesUrl)
        throw new SurfhiveError('ARTIFACT_NOT_FOUND', `kernel ${ver} has no module BTF`);
      const archive = await deps.packer.archive(`${dbIdentity(k)}\0${wantModules}`, file, async () =>
        wantModules
          ? modules(k).map((m) => ({ name: `${m.name}.btf`, btf: moduleBtf(deps.lookup, k, m.name) }))
          : [{ name: `${ver}.btf`, btf: await kernelBtf(k) }],
      );
      return sendHiveFile(request, reply, archive, 'application/x-xz', file);
    },
  );
}
