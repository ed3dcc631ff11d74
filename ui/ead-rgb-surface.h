/* ead-rgb-surface.h: images as Cairo draws them. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* A new RGB24 surface holding the 8-bit RGB pixels @rgb, rows @stride
 * bytes apart. */
cairo_surface_t *ead_rgb_surface_new (const guint8 *rgb, int width, int height, gsize stride);

G_END_DECLS
