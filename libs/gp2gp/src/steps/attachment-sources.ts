import type { FragmentStore } from '../messaging/fragment-store.js';
import type { Transfer } from '../model/transfer.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { AttachmentSource } from '@lloyd/adapters-core';

/** The transfer's attachments (the skeleton extract aside) as sources streamed from their fragments. */
export function attachmentSources(t: Transfer, fragments: FragmentStore): AttachmentSource[] {
  return t.attachments.flatMap((a, index) =>
    a.skeleton
      ? []
      : [
          {
            id: a.id,
            filename: a.filename,
            contentType: a.contentType,
            length: a.length,
            open: () =>
              Promise.resolve(fragments.read(a.fragments, (part) => transferBlobs.fragment(t.id, index, part))),
          },
        ],
  );
}
