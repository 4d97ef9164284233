/** One member of an archive as the extractor sees it, whatever the container format. */
export interface ArchiveMember {
  /** The name as stored (not yet normalized). */
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'device' | 'other';
  size: number;
  /** The member's bytes; the parser skips them if they are not read. */
  data: AsyncIterable<Buffer>;
}
