/*
 * ringos ATA driver: what IDENTIFY DEVICE's 256 words say of a drive
 * (ATA/ATAPI-6 8.15), and the error register by name. Pure: the host unit
 * tests run it on IDENTIFY data of their own making.
 */
#include "ata.h"
#include "string.h"
#include "format.h"
#include "uapi/errno.h"

/* An ATA string: two characters a word, the first in the high byte,
 * padded with blanks; the blanks at the end cut. */
static void ata_string(const uint16_t *w, unsigned words, char *out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < words; i++) {
		out[n++] = (char)(w[i] >> 8);
		out[n++] = (char)(w[i] & 0xff);
	}
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		n--;
	out[n] = '\0';
}

/* Word 255: signature A5h in the low byte, and then a checksum in the high
 * one that makes the 512 bytes sum to 0 (mod 256). A drive without the
 * signature gives no checksum. */
static bool integrity_ok(const uint16_t w[256])
{
	if ((w[255] & 0xff) != 0xa5)
		return true;
	uint8_t sum = 0;
	for (unsigned i = 0; i < 256; i++)
		sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
	return sum == 0;
}

/* Words 82-84 are valid when word 83's bits 15:14 are 01b, words 85-87
 * when word 87's are. */
static bool word_valid(uint16_t v)
{
	return (v & 0xc000) == 0x4000;
}

int ata_parse_identify(const uint16_t w[256], struct ata_identity *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (w[0] & 0x8000) {
		*why = "not an ATA device (word 0 bit 15: ATAPI)";
		return -EIO;
	}
	if (!integrity_ok(w)) {
		*why = "IDENTIFY data fails its checksum (word 255)";
		return -EIO;
	}
	if (!(w[49] & (1u << 9))) {
		*why = "no LBA addressing (word 49 bit 9); CHS-only drives are not driven";
		return -EIO;
	}
	ata_string(&w[10], 10, out->serial);
	ata_string(&w[23], 4, out->firmware);
	ata_string(&w[27], 20, out->model);
	out->sectors = w[60] | (uint32_t)w[61] << 16;
	bool w83 = word_valid(w[83]), w86 = word_valid(w[87]);
	/* 48-bit addressing: supported (83) and, when word 86 is valid,
	 * enabled there (a DEVICE CONFIGURATION OVERLAY may turn it off). */
	if (w83 && (w[83] & (1u << 10)) && (!w86 || (w[86] & (1u << 10)))) {
		uint64_t s = w[100] | (uint64_t)w[101] << 16 | (uint64_t)w[102] << 32 |
			     (uint64_t)w[103] << 48;
		out->lba48 = true;
		if (s)
			out->sectors = s;
	}
	out->flush = w83 && ((w[83] & (1u << 12)) || (w[82] & (1u << 5)));
	out->flush_ext = out->lba48 && w83 && (w[83] & (1u << 13));
	if (!out->sectors) {
		*why = "no sectors (words 60-61 and 100-103)";
		return -EIO;
	}
	*why = NULL;
	return 0;
}

void ata_error_names(uint8_t error, char *buf, size_t size)
{
	static const char *const names[8] = { "AMNF", "NM", "ABRT", "MCR", "IDNF", "MC", "UNC",
					      "ICRC" };
	size_t n = 0;
	snprintf(buf, size, "none");
	for (int bit = 7; bit >= 0; bit--)
		if (error & (1u << bit) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "", names[bit]);
}
