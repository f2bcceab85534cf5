/*
 * The save file's checks (include/public/save.h), pure: the hypervisor runs
 * them on the header Domain 0 hands it, the toolstack on a file before it
 * sends a byte, and the host unit tests on every corruption class.
 */
#ifndef LIB_SAVEFILE_H
#define LIB_SAVEFILE_H

#include <stddef.h>
#include <stdbool.h>
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

/*
 * Page-table entries between machine and file (pure, so the host tests
 * check both ways). rv_save_canon_entries: each present entry's frame
 * becomes the domain's pfn (rmap[mfn] = pfn + 1, 0: not the domain's) or
 * RV_SAVE_PFN_SHARED for shared_mfn; a PDPT's (pdpt) keeps only P, PWT,
 * PCD and the address. 0, or -1 with *bad = the index of an entry that maps
 * what is not the domain's. rv_save_restore_entries: the way back through
 * p2m (nr_pages of them); -1 with *bad for a pfn outside the domain.
 * An entry with neither P nor an address (naming nothing) is left as it is.
 */
int rv_save_canon_entries(uint64_t *e, unsigned n, bool pdpt, uint32_t shared_mfn,
			  const uint32_t *rmap, uint32_t nframes, unsigned *bad);
int rv_save_restore_entries(uint64_t *e, unsigned n, uint32_t shared_mfn, const uint32_t *p2m,
			    uint32_t nr_pages, unsigned *bad);

/* The sizes a header for nr_pages pages and config_len bytes of config has:
 * fills every offset and length (and magic, version, header_size, mode);
 * dev_len: the device records' bytes (hw, bt; ignored for pv).
 * rv_save_layout: a pv domain's. */
void rv_save_layout_mode(struct rv_save_header *h, uint32_t mode, uint32_t nr_pages,
			 uint32_t config_len, uint32_t dev_len);
void rv_save_layout(struct rv_save_header *h, uint32_t nr_pages, uint32_t config_len);
/* The size of a mode's vCPU record (RV_DOMMODE_*), 0 for an unknown mode. */
uint32_t rv_save_vcpu_len(uint32_t mode);

/* A device record this build writes and reads: its type, version, payload
 * length, and a name for the messages. */
struct rv_save_rec_spec {
	uint16_t type, version;
	uint32_t len;
	const char *name;
};

/*
 * The device records (len bytes at recs) against the records this build
 * knows (spec[0..nspec)): each must appear once, with its version and
 * length, padded to 8, nothing unknown, nothing past the end. 0 with
 * payload[i] pointing at spec[i]'s payload; or -1 with why (whylen bytes)
 * naming the record and the fault ("device record PIT: missing").
 */
int rv_save_check_records(const void *recs, uint32_t len, const struct rv_save_rec_spec *spec,
			  unsigned nspec, const void **payload, char *why, size_t whylen);
/* The bytes the records of spec take. */
uint32_t rv_save_records_len(const struct rv_save_rec_spec *spec, unsigned nspec);

#endif
