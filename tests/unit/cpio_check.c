/* Checks of a newc archive through cpio_next (cpio_check.h). */
#include "unit.h"

#include <string.h>

#include "cpio.h"
#include "cpio_check.h"

int count_entries(const uint8_t *buf, size_t size)
{
	struct cpio_entry e;
	size_t off = 0;
	int n = 0, rc;

	while ((rc = cpio_next(buf, size, &off, &e)) == 1)
		n++;
	return rc < 0 ? rc : n;
}

void expect_entry(const uint8_t *buf, size_t size, size_t *off, const char *name,
			 uint32_t mode, const void *data, size_t dsize)
{
	struct cpio_entry e;
	size_t before = *off;
	int rc = cpio_next(buf, size, off, &e);

	if (rc != 1)
		fail_msg("entry \"%s\" at %zu: cpio_next = %d", name, before, rc);
	assert_int_equal(e.name_len, strlen(name));
	assert_memory_equal(e.name, name, e.name_len + 1);
	assert_int_equal(e.mode, mode);
	assert_int_equal(e.size, dsize);
	if (dsize)
		assert_memory_equal(e.data, data, dsize);
	/* Data starts 4-aligned right after the padded name; next entry 4-aligned after it. */
	assert_int_equal(((const uint8_t *)e.data - buf) % 4, 0);
	assert_true((const uint8_t *)e.data >= (const uint8_t *)e.name + e.name_len + 1);
	assert_int_equal(*off % 4, 0);
	assert_int_equal(*off, (size_t)((const uint8_t *)e.data - buf) + ((dsize + 3) & ~(size_t)3));
}
