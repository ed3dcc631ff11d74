/* ead-zip.h: reading the stored (uncompressed) zip archives torch.save writes.
 *
 * Since PyTorch 1.6, torch.save writes a zip archive (PKWARE's APPNOTE.TXT
 * layout) whose entries are all stored uncompressed: "<name>/data.pkl", the
 * raw storages "<name>/data/<key>", "<name>/version" and, in newer versions,
 * "<name>/byteorder". This reader takes exactly that: a single-disk archive
 * whose end-of-central-directory record ends the file, stored entries whose
 * local headers agree with the central directory and lie before it, and a
 * CRC-32 that matches each entry's bytes. It refuses compressed or encrypted
 * entries, duplicate names and zip64 sizes (an archive over 4 GiB: nothing a
 * teacher needs), and never reads outside the buffer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _EadZip EadZip;

/* Parses the central directory of @bytes (kept, not copied). Errors:
 * EAD_ERROR_BAD_FILE with the reason. */
EadZip *ead_zip_new (GBytes *bytes, GError **error);
void ead_zip_free (EadZip *zip);

guint ead_zip_get_n_entries (const EadZip *zip);
/* Entry names in central-directory order. */
const char *ead_zip_get_name (const EadZip *zip, guint index);
gboolean ead_zip_contains (const EadZip *zip, const char *name);

/* The bytes of entry @name (a slice of the archive's bytes), after checking
 * their CRC-32. EAD_ERROR_BAD_FILE when absent or corrupt. */
GBytes *ead_zip_read (const EadZip *zip, const char *name, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadZip, ead_zip_free)

G_END_DECLS
