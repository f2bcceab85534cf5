/*
 * The save file's checks (include/public/save.h), pure: the hypervisor runs
 * them on the header Domain 0 hands it, the toolstack on a file before it
 * sends a byte, and the host unit tests on every corruption class.
 */
#ifndef LIB_SAVEFILE_H
#define LIB_SAVEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <public/save.h>

enum rv_save_fault {
	RV_SAVE_OK = 0,
	RV_SAVE_NOT_A_SAVE,             /* no magic: not a save file at all */
	RV_SAVE_OTHER_VERSION,          /* a save file of another format version */
	RV_SAVE_TRUNCATED,              /* shorter than its header says */
	RV_SAVE_CORRUPT,                /* inconsistent header or a bad checksum */
};

#define RV_FNV_INIT     0xcbf29ce484222325ull

/* FNV-1a 64 over n bytes, going on from h (RV_FNV_INIT to start). */
uint64_t rv_fnv1a(uint64_t h, const void *p, size_t n);

/*
 * Is h a header this build can restore from, for a stream of len bytes
 * (the trailer excluded; UINT64_MAX: not known yet)? RV_SAVE_OK, or the
 * fault with *why set to a sentence naming the field.
 */
enum rv_save_fault rv_save_check_header(const struct rv_save_header *h, uint64_t len,
					const char **why);

/* The sizes a header for nr_pages pages and config_len bytes of config has:
 * fills every offset and length (and magic, version, header_size). */
void rv_save_layout(struct rv_save_header *h, uint32_t nr_pages, uint32_t config_len);

#endif
