/* ead-watch.h: a folder a camera or another program drops images into.
 *
 * What `efficientad infer --watch` and the workbench's Line view share: which
 * of a folder monitor's events bring a complete new file, and filing a
 * scored file, or the heatmap of a rejected one, away into a folder without
 * ever overwriting or losing one. */
#pragma once

#include <gio/gio.h>

#include "ead-image.h"

G_BEGIN_DECLS

/* A monitor of @folder that reports renames and moves as such
 * (G_FILE_MONITOR_WATCH_MOVES), which ead_watch_arrived() expects. */
GFileMonitor *ead_watch_monitor_folder (const char *folder, GError **error);

/* The path of the file that the monitor event (@event, @file, @other_file,
 * as GFileMonitor::changed gives them) brought complete into the folder,
 * or NULL: a file written in place once its writer is done, or one moved or
 * renamed in. Hidden files (".name", how writers usually name a file
 * before renaming it into place) and anything but a regular file are left
 * alone. Free it with g_free(). */
char *ead_watch_arrived (GFileMonitorEvent event, GFile *file, GFile *other_file);

/* The complete files @folder holds now, as ead_watch_arrived() would take
 * them (regular, not hidden), oldest first: by modification time, then by
 * name. A line that moves what it inspects out of the folder starts with
 * these, which arrived while it was stopped. A GPtrArray of paths. */
GPtrArray *ead_watch_list_waiting (const char *folder, GError **error);

/* The bytes of the file @path, which arrived: read once, to be scored,
 * kept and filed away as they are, whatever happens to the file meanwhile. */
GBytes *ead_watch_read (const char *path, GError **error);

/* Files @contents, the bytes ead_watch_read() gave for @path, into
 * @folder, created when missing, under @path's name, or "stem-2.ext",
 * "stem-3.ext"... when that name is taken: nothing there is ever
 * overwritten. A move gives a regular file still holding @contents a
 * second name there and removes the first; otherwise (another file system,
 * no hard links, a symbolic link, a file rewritten since) it writes
 * @contents there and removes @path only if it still holds them: a file
 * rewritten since stays, for its own arrival, and one that is gone has its
 * bytes filed all the same. A copy writes @contents. Written files are on
 * the disk and take their name only once complete, so the folder never
 * holds half a file; a move that cannot remove @path takes back what it
 * filed. Returns the path the file has there. */
char *ead_watch_file_away (const char *path, GBytes *contents, const char *folder, gboolean copy,
                           GError **error);

/* Saves @map, a heatmap of the image file @image_path, as a PNG into
 * @folder, created when missing: as STEM.png (the image's name without its
 * extension), or STEM-2.png... when that is taken, the way
 * ead_watch_file_away() files a copy: never overwriting, never half
 * written. Returns the map's path. */
char *ead_watch_save_map (const EadImage *map, const char *folder, const char *image_path,
                          GError **error);

G_END_DECLS
